#if canImport(Glibc)
import Glibc
#endif

/// One input line, without its line end. `bytes` is valid until the next call to `next()`.
public struct InputLine {
    public var bytes: UnsafeRawBufferPointer
    /// 1-based line number.
    public var number: Int
    /// Byte offset of the line's first byte in the (decompressed) input.
    public var offset: Int
    /// Length of the line as it was in the input (without "\n"; a stripped "\r" and BOM count).
    public var originalLength: Int
    /// True when the line exceeded the record-size limit; `bytes` is then only its first bytes.
    public var oversized: Bool
}

/// Splits a byte stream into NDJSON lines.
///
/// The contract, byte for byte:
/// - A line ends at each "\n" (0x0A); the final line may lack it. In valid JSON a raw 0x0A cannot
///   occur inside a record (control characters must be escaped in strings), so this is exact.
/// - One "\r" right before the "\n" is removed (CRLF); other "\r" bytes stay.
/// - A UTF-8 byte-order mark (EF BB BF) is removed at the start of the input only.
/// - A line longer than `maxRecordBytes` is not buffered whole: its first
///   `oversizedPrefixBytes` bytes are kept for the bad-record file, the rest is skipped.
/// Memory is bounded by the read size plus the longest accepted line.
public final class LineReader {
    public let source: any ByteSource
    public let maxRecordBytes: Int
    /// Bytes asked of the source per read (4 MiB; tests use tiny sizes to cross boundaries).
    public let readSize: Int
    public static let oversizedPrefixBytes = 65_536

    private var buffer: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    private var inputEnded = false
    private var lineNumber = 0
    private var bufferOffset = 0  // stream offset of buffer[0]
    private let oversizedPrefix: UnsafeMutableRawBufferPointer

    public init(source: any ByteSource, maxRecordBytes: Int, readSize: Int = 1 << 22) {
        self.source = source
        self.maxRecordBytes = maxRecordBytes
        self.readSize = readSize
        buffer = .allocate(byteCount: readSize * 2, alignment: 64)
        oversizedPrefix = .allocate(byteCount: Self.oversizedPrefixBytes, alignment: 8)
    }

    deinit {
        buffer.deallocate()
        oversizedPrefix.deallocate()
    }

    /// Bytes of decompressed input seen so far.
    public var bytesRead: Int { bufferOffset + end }

    public func next() throws(ConversionError) -> InputLine? {
        while true {
            if let newline = findNewline(from: start) {
                var line = makeLine(from: start, to: newline, oversized: false)
                if line.bytes.count > maxRecordBytes {
                    line.oversized = true
                    line.bytes = UnsafeRawBufferPointer(rebasing: line.bytes.prefix(Self.oversizedPrefixBytes))
                }
                start = newline + 1
                return line
            }
            // No complete line buffered.
            if end - start > maxRecordBytes {
                return try skipOversizedLine()
            }
            if inputEnded {
                guard end > start else { return nil }
                let line = makeLine(from: start, to: end, oversized: false)
                start = end
                return line
            }
            try refill()
        }
    }

    private func findNewline(from position: Int) -> Int? {
        guard end > position, let base = buffer.baseAddress else { return nil }
        guard let hit = memchr(base + position, 0x0A, end - position) else { return nil }
        return base.distance(to: UnsafeMutableRawPointer(hit))
    }

    /// The record's bytes within the line `start ..< end` (`end` at its "\n" or the input's end):
    /// a UTF-8 byte order mark skipped at the start of an input, one "\r" before the "\n"
    /// removed. The one rule of the read and the mapped paths (`MappedInput.split`).
    @inline(__always)
    static func recordBounds(_ base: UnsafeRawPointer, from start: Int, to end: Int, atInputStart: Bool) -> (first: Int, last: Int) {
        var first = start
        var last = end
        if atInputStart && last - first >= 3 && base.load(fromByteOffset: first, as: UInt8.self) == 0xEF
            && base.load(fromByteOffset: first + 1, as: UInt8.self) == 0xBB && base.load(fromByteOffset: first + 2, as: UInt8.self) == 0xBF
        {
            first += 3
        }
        if last > first && base.load(fromByteOffset: last - 1, as: UInt8.self) == 0x0D { last -= 1 }
        return (first, last)
    }

    private func makeLine(from lineStart: Int, to lineEnd: Int, oversized: Bool) -> InputLine {
        lineNumber += 1
        let base = buffer.baseAddress!
        let (first, last) = Self.recordBounds(UnsafeRawPointer(base), from: lineStart, to: lineEnd, atInputStart: bufferOffset + lineStart == 0)
        return InputLine(
            bytes: UnsafeRawBufferPointer(start: base + first, count: last - first), number: lineNumber,
            offset: bufferOffset + lineStart, originalLength: lineEnd - lineStart, oversized: oversized)
    }

    /// Moves unread bytes to the front, grows the buffer if a long line needs it, and reads more.
    private func refill() throws(ConversionError) {
        if start > 0 {
            let pending = end - start
            if pending > 0 { memmove(buffer.baseAddress!, buffer.baseAddress! + start, pending) }
            bufferOffset += start
            start = 0
            end = pending
        }
        if buffer.count - end < readSize {
            let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: end + readSize * 2, alignment: 64)
            if end > 0 { grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end) }
            buffer.deallocate()
            buffer = grown
        }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end..<(end + readSize)]))
        if n == 0 { inputEnded = true }
        end += n
    }

    /// Keeps the first bytes of an over-long line, skips to its end, and returns it as oversized.
    private func skipOversizedLine() throws(ConversionError) -> InputLine {
        let lineStartOffset = bufferOffset + start
        var kept = 0
        var length = 0
        while true {
            let newline = findNewline(from: start)
            let stop = newline ?? end
            let take = min(stop - start, Self.oversizedPrefixBytes - kept)
            if take > 0 {
                (oversizedPrefix.baseAddress! + kept).copyMemory(from: buffer.baseAddress! + start, byteCount: take)
                kept += take
            }
            length += stop - start
            if let newline {
                start = newline + 1
                break
            }
            start = end
            if inputEnded { break }
            try refill()
        }
        lineNumber += 1
        return InputLine(
            bytes: UnsafeRawBufferPointer(rebasing: oversizedPrefix[0..<kept]), number: lineNumber,
            offset: lineStartOffset, originalLength: length, oversized: true)
    }
}
