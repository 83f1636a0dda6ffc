import Foundation
import LakeConv
import Testing

/// A byte source over memory that returns at most `chunk` bytes per read.
final class MemorySource: ByteSource {
    let name = "memory"
    let bytes: [UInt8]
    let chunk: Int
    var position = 0
    var bytesConsumed: Int { position }
    init(_ bytes: [UInt8], chunk: Int = 3) {
        self.bytes = bytes
        self.chunk = chunk
    }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int {
        let n = min(chunk, buffer.count, bytes.count - position)
        for i in 0..<n { buffer[i] = bytes[position + i] }
        position += n
        return n
    }
}

@Suite struct InputTests {
    func lines(_ bytes: [UInt8], chunk: Int = 3, max: Int = 1 << 20) throws -> [(String, Int, Int, Bool)] {
        let reader = LineReader(source: MemorySource(bytes, chunk: chunk), maxRecordBytes: max, readSize: 8)
        var out: [(String, Int, Int, Bool)] = []
        while let line = try reader.next() {
            out.append((String(decoding: line.bytes, as: UTF8.self), line.number, line.offset, line.oversized))
        }
        return out
    }

    @Test("LF, CRLF, BOM at start only, no final newline, blank lines, boundaries of every read size", arguments: [1, 2, 3, 7, 64])
    func splitting(chunk: Int) throws {
        let input: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("{\"a\":1}\r\n\n  \n{\"b\":2}\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("x\r\r\nlast".utf8)
        let got = try lines(input, chunk: chunk)
        #expect(got.map(\.0) == ["{\"a\":1}", "", "  ", "{\"b\":2}", "\u{FEFF}x\r", "last"])
        #expect(got.map(\.1) == [1, 2, 3, 4, 5, 6])
        #expect(got.map(\.2) == [0, 12, 13, 16, 24, 31])  // BOM 3 + x\r\r\n 4 after 24
    }

    @Test("over-long lines are cut short and flagged, and reading goes on")
    func oversized() throws {
        let long = String(repeating: "y", count: 100)
        let got = try lines(Array("ok\n\(long)\nafter\n\(long)".utf8), chunk: 5, max: 40)
        #expect(got.map(\.0) == ["ok", long, "after", long])
        #expect(got.map(\.3) == [false, true, false, true])
    }

    @Test("gzip: concatenated members decode to their concatenation; truncation is an error")
    func gzip() throws {
        let a = Array("{\"x\":1}\n".utf8)
        let b = Array("{\"x\":2}\n".utf8)
        var gz = ByteWriter()
        try a.withUnsafeBytes { raw throws in try GzipCompressor().compress(raw, into: &gz) }
        try b.withUnsafeBytes { raw throws in try GzipCompressor().compress(raw, into: &gz) }
        let source = try GzipSource(MemorySource(gz.bytes, chunk: 5))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4)
        while case let n = try buffer.withUnsafeMutableBytes({ raw throws in try source.read(into: raw) }), n > 0 { out += buffer[0..<n] }
        #expect(out == a + b)

        let truncated = try GzipSource(MemorySource(Array(gz.bytes.dropLast(5)), chunk: 5))
        #expect(throws: ConversionError.self) {
            while try buffer.withUnsafeMutableBytes({ raw throws in try truncated.read(into: raw) }) > 0 {}
        }
    }

    @Test("timestamps: offsets move the UTC day; invalid dates and local times are not timestamps")
    func timestamps() {
        func ts(_ s: String) -> Int64? {
            Array(s.utf8).withUnsafeBytes { TimestampParser.parseTimestamp($0)?.value(in: .millis) }
        }
        #expect(ts("1970-01-01T00:00:00Z") == 0)
        #expect(ts("2021-03-21T09:00:00.123Z") == 1_616_317_200_123)
        #expect(ts("2021-03-21T01:30:00+05:30") == ts("2021-03-20T20:00:00Z"))
        #expect(ts("2021-03-20T20:00:00-08:00") == ts("2021-03-21T04:00:00Z"))
        #expect(ts("2021-03-20 20:00:00-0800") == ts("2021-03-21T04:00:00Z"))
        #expect(ts("1969-12-31T23:59:59.999Z") == -1)
        #expect(ts("2024-02-29T00:00:00Z") != nil)
        for bad in ["2023-02-29T00:00:00Z", "2021-03-21T09:00:00", "2021-13-01T00:00:00Z", "2021-03-21T24:00:00Z", "2021-03-21T09:00:00.Z", "2021-03-21T09:00:00.1234567890Z", "2021-03-21"] {
            #expect(ts(bad) == nil, "\(bad)")
        }
        #expect(Array("2021-03-21".utf8).withUnsafeBytes { TimestampParser.parseDate($0) } == 18707)
    }
}
