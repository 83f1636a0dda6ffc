/// A growable little-endian byte buffer: the output of every encoder.
///
/// Encoders append; the owner reads `bytes` and calls `removeAll(keepingCapacity:)` to reuse
/// the storage, so the hot path does not allocate once buffers have grown.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// A writer over `bytes` (emptied), keeping its capacity.
    init(reusing bytes: [UInt8]) {
        self.bytes = bytes
        self.bytes.removeAll(keepingCapacity: true)
    }

    public var count: Int { bytes.count }

    public mutating func removeAll(keepingCapacity: Bool = true) {
        bytes.removeAll(keepingCapacity: keepingCapacity)
    }

    @inlinable
    public mutating func append(_ byte: UInt8) { bytes.append(byte) }

    @inlinable
    public mutating func append(contentsOf other: some Sequence<UInt8>) { bytes.append(contentsOf: other) }

    @inlinable
    public mutating func append(_ buffer: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: buffer)
    }

    /// Appends a fixed-width integer in little-endian byte order.
    @inlinable
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends ULEB128: 7 bits a byte, low bits first, high bit set on all but the last byte.
    @inlinable
    public mutating func appendULEB128(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: v))
    }

    /// Appends a zigzag-encoded ULEB128 (`(n << 1) ^ (n >> 63)`), as Thrift compact and delta use.
    @inlinable
    public mutating func appendZigZag(_ value: Int64) {
        appendULEB128(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Reserves `count` bytes at the end, lets `body` fill a prefix of them, keeps what it reports.
    @inlinable
    public mutating func appendWithUnsafeCapacity<E: Error>(
        upTo count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Int
    ) throws(E) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: count))
        var written = 0
        var failure: E?
        bytes.withUnsafeMutableBytes { all in
            do throws(E) {
                written = try body(UnsafeMutableRawBufferPointer(rebasing: all[start...]))
            } catch {
                failure = error
            }
        }
        if let failure {
            bytes.removeLast(count)
            throw failure
        }
        precondition(written >= 0 && written <= count, "reported more bytes than reserved")
        bytes.removeLast(count - written)
    }
}
