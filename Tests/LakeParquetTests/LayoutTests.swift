import LakeCompression
@testable import LakeParquet
import Testing

/// What the writer decides (row groups, pages, encodings) pinned against its footer.
@Suite struct LayoutTests {
    func write(_ fields: [Field], rows: [[Value]], _ configure: (inout WriterOptions) -> Void) throws -> (FileMetaData, [UInt8]) {
        var options = WriterOptions()
        configure(&options)
        let writer = try ParquetFileWriter(schema: Schema(fields), sink: InMemoryByteSink(), options: options)
        for row in rows { try writer.write(row: row) }
        let metadata = try writer.close()
        return (metadata, writer.sink.bytes)
    }

    @Test("row groups cut by size, pages cut by size, per-column encoding policy")
    func layout() throws {
        let fields = [
            Field("seq", .int64, nullable: false), Field("category", .string), Field("unique", .string), Field("flag", .boolean),
        ]
        let rows: [[Value]] = (0..<20_000).map { r in
            [.int(Int64(r)), .string(["a", "b", "c"][r % 3]), .string("u\(r * 7919)"), .bool(r % 2 == 0)]
        }
        let (meta, bytes) = try write(fields, rows: rows) {
            $0.rowGroupSize = 200_000
            $0.dataPageSize = 2048
            $0.dictionaryPageSizeLimit = 4096
        }
        #expect(Array(bytes.prefix(4)) == Array("PAR1".utf8) && Array(bytes.suffix(4)) == Array("PAR1".utf8))
        #expect(meta.rowGroups.count > 1)
        #expect(meta.rowGroups.reduce(0) { $0 + $1.numRows } == 20_000)
        #expect(meta.numRows == 20_000)
        let first = meta.rowGroups[0].columns.map(\.metaData)
        // seq: increasing by 1 → delta (width 0 miniblocks) beats PLAIN and a 2,000-entry dictionary.
        #expect(first[0].encodings.contains(.deltaBinaryPacked))
        // category: three values → dictionary.
        #expect(first[1].encodings.contains(.rleDictionary) && first[1].dictionaryPageOffset != nil)
        // unique: dictionary passes its byte limit → PLAIN, no dictionary page.
        #expect(first[2].encodings.contains(.plain) && !first[2].encodings.contains(.rleDictionary) && first[2].dictionaryPageOffset == nil)
        // flag: PLAIN.
        #expect(first[3].encodings.contains(.plain))
        // unique column: many pages at a 2 KiB target.
        let pages = first[2].encodingStats.first { $0.pageType == .dataPage }?.count ?? 0
        #expect(pages > 5)
        // Offsets: the chunks tile the row group, starting after the magic.
        #expect(first[0].dataPageOffset == 4)
        for (a, b) in zip(first, first.dropFirst()) {
            #expect((a.dictionaryPageOffset ?? a.dataPageOffset) + a.totalCompressedSize == (b.dictionaryPageOffset ?? b.dataPageOffset))
        }
        #expect(meta.createdBy.hasPrefix("lakeconv version "))
        #expect(meta.columnOrders.count == 4)
    }

    /// Chunks over 1 MiB are written into arrays kept from earlier row groups
    /// (`ChunkBytesPool`): a file written while the pool holds them is the same as one written
    /// before, byte for byte, so no kept byte leaks into a chunk.
    @Test("chunk arrays reused across row groups leave the file unchanged")
    func reusedChunkArrays() throws {
        let schema = try Schema([Field("text", .string, nullable: false), Field("n", .int64, nullable: false)])
        var state: UInt64 = 3
        func text(_ r: Int) -> String {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return String(state >> 8, radix: 16) + String(repeating: "x", count: r % 37)
        }
        let rows = (0..<120_000).map { r -> [Value] in [.string(text(r)), .int(Int64(r))] }
        func file() throws -> [UInt8] {
            var options = WriterOptions()
            options.compression = .uncompressed  // chunks as large as their pages: over 1 MiB
            options.rowGroupRowLimit = 40_000
            let writer = try ParquetFileWriter(schema: schema, sink: InMemoryByteSink(), options: options)
            for row in rows { try writer.write(row: row) }
            let metadata = try writer.close()
            #expect(metadata.rowGroups.count == 3)
            #expect(metadata.rowGroups.allSatisfy { $0.columns[0].metaData.totalCompressedSize > 1 << 20 })
            return writer.sink.bytes
        }
        let first = try file()
        #expect(ChunkBytesPool.keptCount > 0)
        let second = try file()
        #expect(first == second)
    }

    @Test("rows given as one batch, as many batches, or mixed with single rows make the same file")
    func batchesJoinedOnce() throws {
        let fields = [
            Field("id", .int64, nullable: false), Field("name", .string), Field("tags", .list(of: .string)),
            Field("dev", .struct([Field("w", .int32), Field("os", .string)])),
        ]
        let schema = try Schema(fields)
        func row(_ r: Int) -> [Value] {
            let name: Value = r % 7 == 0 ? .null : .string("n\(r % 50)")
            let tags: Value = r % 5 == 0 ? .null : .list((0..<(r % 4)).map { .string("t\($0)") })
            let width: Value = r % 3 == 0 ? .null : .int(Int64(r))
            let dev: Value = r % 11 == 0 ? .null : .record([width, .string("os\(r % 3)")])
            return [.int(Int64(r)), name, tags, dev]
        }
        let rows = (0..<3_000).map(row)
        func batch(_ range: Range<Int>) throws -> ColumnBatch {
            var buffers = schema.columns.map(ColumnBuffer.init)
            for row in rows[range] { try RowShredder.append(row, fields: fields, to: &buffers) }
            return ColumnBatch(columns: buffers, rowCount: range.count)
        }
        // Row groups cut where the feed says (after 1,500 rows), never by size.
        func file(_ feed: (ParquetFileWriter<InMemoryByteSink>) throws -> Void) throws -> [UInt8] {
            let writer = try ParquetFileWriter(schema: schema, sink: InMemoryByteSink())
            try feed(writer)
            let metadata = try writer.close()
            #expect(metadata.rowGroups.map(\.numRows) == [1_500, 1_500])
            return writer.sink.bytes
        }
        let byRows = try file { writer in
            for row in rows[..<1_500] { try writer.write(row: row) }
            try writer.flushRowGroup()
            for row in rows[1_500...] { try writer.write(row: row) }
        }
        let twoBatches = try file { writer in
            try writer.write(try batch(0..<1_500))
            try writer.flushRowGroup()
            try writer.write(try batch(1_500..<3_000))
        }
        let manyBatches = try file { writer in
            for range in [0..<1, 1..<3, 3..<1_000, 1_000..<1_003, 1_003..<1_500] { try writer.write(try batch(range)) }
            try writer.flushRowGroup()
            for range in [1_500..<1_501, 1_501..<2_700, 2_700..<3_000] { try writer.write(try batch(range)) }
        }
        let mixed = try file { writer in
            try writer.write(try batch(0..<700))
            try writer.write(try batch(700..<1_400))
            for row in rows[1_400..<1_410] { try writer.write(row: row) }  // joins the batches first
            try writer.write(try batch(1_410..<1_500))
            try writer.flushRowGroup()
            for row in rows[1_500..<1_502] { try writer.write(row: row) }
            try writer.write(try batch(1_502..<3_000))
        }
        #expect(twoBatches == byRows)
        #expect(manyBatches == byRows)
        #expect(mixed == byRows)
    }

    @Test("bad rows are refused before any column changes")
    func badRowsRefused() throws {
        let schema = try Schema([Field("a", .int8, nullable: false), Field("b", .string)])
        let writer = try ParquetFileWriter(schema: schema, sink: InMemoryByteSink())
        #expect(throws: ParquetError.self) { try writer.write(row: [.int(300), .string("x")]) }
        #expect(throws: ParquetError.self) { try writer.write(row: [.null, .string("x")]) }
        #expect(throws: ParquetError.self) { try writer.write(row: [.int(1)]) }
        try writer.write(row: [.int(1), .string("ok")])
        #expect(writer.rowCount == 1)
        let meta = try writer.close()
        #expect(meta.numRows == 1)
    }

    @Test("schema errors are clear")
    func schemaErrors() {
        #expect(throws: ParquetError.self) { try Schema([Field("a", .int64), Field("a", .string)]) }
        #expect(throws: ParquetError.self) { try Schema([Field("d", .decimal(precision: 40, scale: 2))]) }
        #expect(throws: ParquetError.self) { try Schema([Field("s", .struct([]))]) }
    }

    @Test("a schema without columns still carries its rows")
    func noColumns() throws {
        let writer = try ParquetFileWriter(schema: Schema([]), sink: InMemoryByteSink())
        try writer.write(ColumnBatch(columns: [], rowCount: 3))
        let meta = try writer.close()
        #expect(meta.numRows == 3 && meta.rowGroups.count == 1 && meta.rowGroups[0].numRows == 3)
        #expect(meta.schema.count == 1 && meta.schema[0].numChildren == 0)
    }

    @Test("levels for nested data follow Dremel")
    func levels() throws {
        // tags: optional list<optional string>; max def 3 (list, repeated group, element), max rep 1.
        let schema = try Schema([Field("tags", .list(of: .string))])
        var columns = schema.columns.map(ColumnBuffer.init)
        let rows: [Value] = [.null, .list([]), .list([.null]), .list([.string("a"), .string("b")])]
        for row in rows { try RowShredder.append([row], fields: schema.fields, to: &columns) }
        #expect(schema.columns[0].maxDefinitionLevel == 3 && schema.columns[0].maxRepetitionLevel == 1)
        #expect(columns[0].definitionLevels == [0, 1, 2, 3, 3])
        #expect(columns[0].repetitionLevels == [0, 0, 0, 0, 1])
        #expect(columns[0].byteArrays.count == 2)
        #expect(columns[0].rowCount == 4)
    }

    @Test("flat pages (no nulls, no repetition): the same cuts as the row-by-row estimate")
    func flatPageCuts() throws {
        /// The row-by-row rule: a page ends at the first row where its estimate reaches `target`.
        func reference(rows: Int, perRow: Int, lengths: [Int]?, target: Int) -> [Range<Int>] {
            var pages: [Range<Int>] = []
            var start = 0
            var bytes = 0
            for row in 0..<rows {
                bytes += lengths?[row] ?? 0
                if (row + 1 - start) * perRow + 8 * bytes >= target {
                    pages.append(start..<(row + 1))
                    start = row + 1
                    bytes = 0
                }
            }
            if start < rows || pages.isEmpty { pages.append(start..<rows) }
            return pages
        }
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for trial in 0..<300 {
            let rows = [0, 1, 2, 7, 100, 1000, 5000][trial % 7]
            let variable = trial % 2 == 0
            let perRow = 1 + next(70)
            let target = 8 * (1 + next(trial % 3 == 0 ? 64 : 4096))
            var column = ColumnBuffer(try Schema([Field("c", variable ? .string : .int64, nullable: false)]).columns[0])
            var lengths: [Int] = []
            for _ in 0..<rows {
                if variable {
                    let n = next(3) == 0 ? 0 : next(200)
                    lengths.append(n)
                    column.byteArrays.append([UInt8](repeating: 0x61, count: n))
                } else {
                    column.int64s.append(1)
                }
                column.addLevelCount(1)
            }
            let got = ColumnChunkEncoder.flatPageRanges(column, perRow: perRow, variableLength: variable, target: target)
            let want = reference(rows: rows, perRow: perRow, lengths: variable ? lengths : nil, target: target)
            #expect(got.map(\.levels) == want, "rows \(rows), per row \(perRow), target \(target), variable \(variable)")
            #expect(got.allSatisfy { $0.values == $0.levels && $0.rows == $0.levels.count })
        }
    }

    @Test("a column whose dictionary lost is sampled next time: unique stays PLAIN, one that turns repetitive gets its dictionary back")
    func dictionaryHistory() throws {
        let fields = [Field("unique", .string), Field("turns", .string), Field("always", .string)]
        // Row group 0: `turns` is unique (its dictionary loses); row groups 1-2: three values.
        let rowsPerGroup = 3000
        let rows: [[Value]] = (0..<(3 * rowsPerGroup)).map { r in
            [.string("u-\(r)-\(r &* 7919)"), .string(r < rowsPerGroup ? "t-\(r)-\(r &* 31)" : ["x", "y", "z"][r % 3]), .string(["a", "b"][r % 2])]
        }
        let (meta, _) = try write(fields, rows: rows) {
            $0.rowGroupRowLimit = rowsPerGroup
            $0.dictionaryPageSizeLimit = 1 << 20
        }
        #expect(meta.rowGroups.count == 3)
        func dictionary(_ group: Int, _ column: Int) -> Bool { meta.rowGroups[group].columns[column].metaData.encodings.contains(.rleDictionary) }
        #expect(!dictionary(0, 0) && !dictionary(1, 0) && !dictionary(2, 0))
        #expect(!dictionary(0, 1) && dictionary(1, 1) && dictionary(2, 1))
        #expect(dictionary(0, 2) && dictionary(1, 2) && dictionary(2, 2))
    }
}
