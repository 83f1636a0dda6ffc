@testable import LakeParquet
import Testing

/// `ColumnBuffer.gather` (the partitioned writer's row selection) gives exactly the buffers that
/// shredding only the selected rows gives: flat columns (the pointer path) and repeated ones.
@Suite struct GatherTests {
    // Computed, not a stored static: a once-initialised global holding indirect enum boxes is
    // reported as a leak by LeakSanitizer in the ASan run.
    static var fields: [Field] {
        [
            Field("n", .int64), Field("s", .string), Field("b", .boolean), Field("d", .double),
            Field("tags", .list(of: .string)), Field("fixed", .decimal(precision: 38, scale: 0)),
            Field("rs", .string, nullable: false), Field("rn", .int64, nullable: false),
        ]
    }

    static func row(_ i: Int) -> [Value] {
        [
            i % 3 == 0 ? .null : .int(Int64(i) * 1_000_003),
            i % 4 == 1 ? .null : .string(String(repeating: "x", count: i % 7) + "é\(i)"),
            i % 5 == 2 ? .null : .bool(i % 2 == 0),
            i % 6 == 3 ? .null : .double(Double(i) / 7),
            i % 4 == 0 ? .null : .list((0..<(i % 3)).map { .string("t\($0 + i)") }),
            i % 7 == 0 ? .null : .bytes([UInt8](repeating: UInt8(i % 256), count: 16)),
            .string(String(repeating: "r", count: i % 11) + "\(i)"),
            .int(Int64(i) - 30),
        ]
    }

    func shred(_ rows: [Int]) throws -> [ColumnBuffer] {
        let schema = try Schema(Self.fields)
        var columns = schema.columns.map(ColumnBuffer.init)
        for i in rows { try RowShredder.append(Self.row(i), fields: schema.fields, to: &columns) }
        return columns
    }

    @Test("gathered rows equal the shredded selection", arguments: [[Int](), [0], [5], [0, 1, 2, 3], [1, 4, 9, 16, 25, 36, 49], Array(stride(from: 0, to: 60, by: 2))])
    func gather(_ picked: [Int]) throws {
        let all = try shred(Array(0..<60))
        let expected = try shred(picked)
        let rows = picked.map(Int32.init)
        for (c, column) in all.enumerated() {
            let got = rows.withUnsafeBufferPointer { column.gather(rows: $0, starts: column.rowStarts()) }
            let want = expected[c]
            let name = column.descriptor.dottedPath
            #expect(got.levelCount == want.levelCount, "\(name)")
            #expect(got.definitionLevels == want.definitionLevels, "\(name)")
            #expect(got.repetitionLevels == want.repetitionLevels, "\(name)")
            #expect(got.int64s == want.int64s && got.booleans == want.booleans, "\(name)")
            #expect(got.doubles.map(\.bitPattern) == want.doubles.map(\.bitPattern), "\(name)")
            #expect(got.byteArrays == want.byteArrays, "\(name)")
        }
    }

    @Test("scatter into partitions equals gathering each partition's rows", arguments: [1, 3, 7, -4])
    func scatter(_ partitionsOrEmpty: Int) throws {
        let all = try shred(Array(0..<60))
        // Negative: that many partitions, the second one receiving no rows.
        let partitions = abs(partitionsOrEmpty)
        let partitionOfRow = (0..<60).map { row -> Int32 in
            let p = Int32((row * 7 + row / 5) % partitions)
            return partitionsOrEmpty < 0 && p == 1 ? 0 : p
        }
        let counts = (0..<partitions).map { p in partitionOfRow.filter { $0 == p }.count }
        for column in all {
            let parts = partitionOfRow.withUnsafeBufferPointer { column.scatter(partitionOfRow: $0, counts: counts) }
            #expect(parts.count == partitions)
            for p in 0..<partitions {
                let rows = (0..<60).filter { partitionOfRow[$0] == p }.map(Int32.init)
                let want = rows.withUnsafeBufferPointer { column.gather(rows: $0, starts: column.rowStarts()) }
                let got = parts[p]
                let name = column.descriptor.dottedPath
                #expect(got.levelCount == want.levelCount && got.definitionLevels == want.definitionLevels, "\(name) \(p)")
                #expect(got.repetitionLevels == want.repetitionLevels && got.int64s == want.int64s, "\(name) \(p)")
                #expect(got.booleans == want.booleans && got.doubles.map(\.bitPattern) == want.doubles.map(\.bitPattern), "\(name) \(p)")
                #expect(got.byteArrays == want.byteArrays, "\(name) \(p)")
                #expect(throws: Never.self) { try got.validate() }
            }
        }
    }

    /// Run boundaries (each run's end row) and the part of each run, over 60 rows.
    static let runLayouts: [(ends: [Int], parts: [Int])] = [
        ([60], [0]),
        ([1, 60], [0, 1]),
        ([59, 60], [1, 0]),
        ([10, 25, 26, 40, 60], [0, 1, 0, 2, 1]),
        (Array(stride(from: 3, through: 60, by: 3)), (0..<20).map { $0 % 4 }),
    ]

    @Test("splitting by runs equals gathering each part's rows", arguments: 0..<5)
    func splitRuns(_ layout: Int) throws {
        let (ends, partOfRun) = Self.runLayouts[layout]
        var runs: [ColumnBuffer.RowRun] = []
        var start = 0
        for (end, part) in zip(ends, partOfRun) {
            runs.append(ColumnBuffer.RowRun(rows: start..<end, part: part))
            start = end
        }
        let parts = (partOfRun.max() ?? 0) + 1
        let all = try shred(Array(0..<60))
        for column in all {
            let got = column.split(runs: runs, parts: parts)
            #expect(got.count == parts)
            for p in 0..<parts {
                let rows = runs.filter { $0.part == p }.flatMap { $0.rows }.map(Int32.init)
                let want = rows.withUnsafeBufferPointer { column.gather(rows: $0, starts: column.rowStarts()) }
                let name = column.descriptor.dottedPath
                #expect(got[p].levelCount == want.levelCount && got[p].definitionLevels == want.definitionLevels, "\(name) \(p)")
                #expect(got[p].repetitionLevels == want.repetitionLevels && got[p].int64s == want.int64s, "\(name) \(p)")
                #expect(got[p].booleans == want.booleans && got[p].doubles.map(\.bitPattern) == want.doubles.map(\.bitPattern), "\(name) \(p)")
                #expect(got[p].byteArrays == want.byteArrays, "\(name) \(p)")
                #expect(throws: Never.self) { try got[p].validate() }
            }
        }
    }

    /// Ranges appended after bytes already there (the offsets move up) and from far into the
    /// source into an empty buffer (they move down), and an empty range.
    @Test("appending a range of byte arrays moves each offset by the byte shift")
    func appendByteArrayRange() {
        var source = ByteArrayBuffer()
        let values = (0..<200).map { i in [UInt8](repeating: UInt8(i & 0xFF), count: (i * 7) % 23) }
        for value in values { source.append(value) }
        for (prefix, range) in [(3, 0..<200), (0, 150..<200), (1, 40..<41), (2, 7..<7), (0, 199..<200)] {
            var target = ByteArrayBuffer()
            for k in 0..<prefix { target.append([UInt8](repeating: 0xEE, count: k + 5)) }
            target.append(contentsOf: source, range: range)
            #expect(target.count == prefix + range.count)
            #expect(target.offsets.last.map(Int.init) == target.bytes.count)
            for (k, i) in range.enumerated() { #expect(Array(target[prefix + k]) == values[i], "value \(i) after \(prefix)") }
        }
    }

    @Test("dictionary-encoded byte arrays: statistics from the distinct values equal those from every value")
    func dictionaryStatistics() throws {
        let schema = try Schema([Field("s", .string)])
        var columns = schema.columns.map(ColumnBuffer.init)
        let words = ["pear", "apple", "zebra", "", "apple", "Zebra", "é", "pear", "zz", "a"]
        for i in 0..<500 { try RowShredder.append([i % 11 == 0 ? .null : .string(words[(i * 7) % words.count])], fields: schema.fields, to: &columns) }
        let chunk = try ColumnChunkEncoder(options: WriterOptions(), compressor: UncompressedCompressor()).encode(columns[0])
        #expect(chunk.valueEncoding == .rleDictionary)
        let reference = ChunkStatistics.compute(columns[0], truncateLength: 64)
        #expect(chunk.statistics.minValue == reference.minValue && chunk.statistics.minValue == [])
        #expect(chunk.statistics.maxValue == reference.maxValue && chunk.statistics.maxValue == Array("é".utf8))
        #expect(chunk.statistics.nullCount == reference.nullCount)
    }

    @Test("copySmall copies every length exactly and writes nothing around it")
    func copySmallLengths() {
        let source = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for count in 0...130 {
            for offset in [0, 1, 7] {
                var destination = [UInt8](repeating: 0xEE, count: 160)
                source.withUnsafeBytes { from in
                    destination.withUnsafeMutableBytes { to in
                        copySmall(to: to.baseAddress! + 8, from: from.baseAddress! + offset, count: count)
                    }
                }
                #expect(Array(destination[8..<(8 + count)]) == Array(source[offset..<(offset + count)]), "count \(count) offset \(offset)")
                #expect(destination[0..<8].allSatisfy { $0 == 0xEE } && destination[(8 + count)...].allSatisfy { $0 == 0xEE }, "count \(count)")
            }
        }
    }
}
