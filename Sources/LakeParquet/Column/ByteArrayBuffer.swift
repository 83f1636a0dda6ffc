/// Variable-length values as one arena of bytes plus offsets (`offsets.count == count + 1`).
///
/// Never `[[UInt8]]` or `[String]`: one allocation for all values, and slices of values are
/// contiguous bytes that encoders copy in bulk.
public struct ByteArrayBuffer: Sendable, Hashable {
    public var bytes: [UInt8] = []
    public var offsets: [UInt32] = [0]

    public init() {}

    public var count: Int { offsets.count - 1 }

    public mutating func append(_ value: some Collection<UInt8>) {
        bytes.append(contentsOf: value)
        appendOffset()
    }

    public mutating func append(_ value: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: value)
        appendOffset()
    }

    /// Closes a value whose bytes the caller appended to `bytes` directly.
    @inlinable
    public mutating func appendOffset() {
        precondition(bytes.count <= Int(UInt32.max), "a column buffer holds at most 4 GiB")
        offsets.append(UInt32(truncatingIfNeeded: bytes.count))
    }

    public subscript(index: Int) -> ArraySlice<UInt8> {
        bytes[Int(offsets[index])..<Int(offsets[index + 1])]
    }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
        offsets.removeAll(keepingCapacity: keepingCapacity)
        offsets.append(0)
    }

    /// Appends values `range` of `other`.
    public mutating func append(contentsOf other: ByteArrayBuffer, range: Range<Int>) {
        guard !range.isEmpty else { return }
        let start = Int(other.offsets[range.lowerBound])
        let end = Int(other.offsets[range.upperBound])
        let shift = Int64(bytes.count) - Int64(start)
        bytes.append(contentsOf: other.bytes[start..<end])
        precondition(bytes.count <= Int(UInt32.max), "a column buffer holds at most 4 GiB")
        // Each end moved by `shift` (modulo 2^32: the results are the true offsets, all below
        // 2^32), in a loop over raw buffers the compiler vectorises; a lazy map here was copied
        // element by element through the generic path.
        let n = range.count
        let first = offsets.count
        offsets.append(contentsOf: repeatElement(0, count: n))
        let delta = UInt32(truncatingIfNeeded: shift)
        offsets.withUnsafeMutableBufferPointer { destination in
            other.offsets.withUnsafeBufferPointer { source in
                for k in 0..<n { destination[first &+ k] = source[range.lowerBound &+ 1 &+ k] &+ delta }
            }
        }
    }
}
