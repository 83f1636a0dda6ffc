import Foundation
@testable import LakeConv
import LakeTestSupport
import Testing

/// Mapped inputs (`MappedInput`) must give exactly the lines and blocks that reading the file
/// (`LineReader` into `LineBlock`s) gives: same bytes, numbers, offsets, original lengths,
/// oversized flags, and the same cut between blocks (so the same row groups).
@Suite struct MappedInputTests {
    struct Seen: Equatable, CustomStringConvertible {
        var block: Int
        var bytes: [UInt8]
        var number, offset, originalLength: Int
        var oversized: Bool
        var description: String { "block \(block) line \(number) @\(offset) len \(originalLength)\(oversized ? " oversized" : ""): \(String(decoding: bytes, as: UTF8.self).debugDescription)" }
    }

    func lines(_ path: String, mapped: Bool, maxRecordBytes: Int, blockBytes: Int) throws -> ([Seen], consumed: [Int]) {
        var seen: [Seen] = []
        var consumed: [Int] = []
        var blocks = 0
        try BlockReader.read(paths: [path], maxRecordBytes: maxRecordBytes, blockBytes: blockBytes, mapInputs: mapped) { block in
            for i in 0..<block.lines.count {
                let line = block.line(i)
                seen.append(Seen(block: blocks, bytes: Array(line.bytes), number: line.number, offset: line.offset, originalLength: line.originalLength, oversized: line.oversized))
            }
            if block.endOfInput { consumed.append(block.inputBytesConsumed) }
            blocks += 1
        }
        return (seen, consumed)
    }

    @Test("random files: mapped and read inputs give the same lines in the same blocks")
    func sameLines() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lakeconv-mapped-\(getpid()).ndjson").path
        defer { unlink(path) }
        var random = SplitMix64(seed: 0x3A99_ED00)
        let pieces: [[UInt8]] = [Array(#"{"a":1}"#.utf8), Array("\n".utf8), Array("\r\n".utf8), Array("\r".utf8), Array("  ".utf8), Array("é中".utf8), [0xEF, 0xBB, 0xBF], Array(String(repeating: "y", count: 90).utf8)]
        var cases = 0
        for round in 0..<300 {
            var bytes: [UInt8] = round % 3 == 0 ? [0xEF, 0xBB, 0xBF] : []
            for _ in 0..<Int(random.next() % 60) { bytes += pieces[Int(random.next() % UInt64(pieces.count))] }
            // An oversized last line without a newline is cut raw by the reader (its BOM and "\r"
            // kept when it never saw the line end): not compared here.
            if bytes.count - ((bytes.lastIndex(of: 0x0A) ?? -1) + 1) > 40 { bytes.append(0x0A) }
            if bytes.isEmpty { continue }  // an empty file is read, never mapped
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            for blockBytes in [16, 64, 1 << 20] {
                let read = try lines(path, mapped: false, maxRecordBytes: 40, blockBytes: blockBytes)
                let mapped = try lines(path, mapped: true, maxRecordBytes: 40, blockBytes: blockBytes)
                #expect(read.0 == mapped.0, "round \(round), blocks of \(blockBytes): \(bytes)")
                #expect(mapped.consumed == [bytes.count])
                cases += 1
            }
        }
        #expect(cases > 500)
    }

    @Test("releasing consumed blocks leaves the lines of held blocks intact")
    func release() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lakeconv-mapped-release-\(getpid()).ndjson").path
        defer { unlink(path) }
        let line = #"{"k":"\#(String(repeating: "v", count: 200))"}"#
        try Data((String(repeating: line + "\n", count: 5_000)).utf8).write(to: URL(fileURLWithPath: path))
        var held: [LineBlock] = []
        try BlockReader.read(paths: [path], maxRecordBytes: 1 << 20, blockBytes: 64 << 10, mapInputs: true) { held.append($0) }
        #expect(held.count > 10)
        // Release every other block; the rest still read their text.
        let kept = held.enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        held.removeAll()
        for block in kept {
            for i in 0..<block.lines.count { #expect(String(decoding: block.line(i).bytes, as: UTF8.self) == line) }
        }
    }
}
