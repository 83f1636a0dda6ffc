import LakeKernels

/// One column chunk, encoded and compressed: its pages back to back, ready to append to a file.
public struct EncodedColumnChunk: Sendable {
    public var descriptor: ColumnDescriptor
    /// Page headers and page bodies, dictionary page first when there is one.
    public var bytes: [UInt8]
    /// Bytes of the dictionary page (header included) at the start of `bytes`; 0 when none.
    public var dictionaryPageLength: Int
    /// Level entries (values, nulls and empty-list markers): ColumnMetaData.num_values.
    public var numValues: Int64
    public var totalUncompressedSize: Int64
    public var encodings: [Encoding]
    public var encodingStats: [PageEncodingStats]
    public var statistics: StatisticsMetadata
    /// The value encoding chosen for the data pages.
    public var valueEncoding: Encoding
    public var dataPageCount: Int
}

/// Encodes a `ColumnBuffer` into pages: chooses the encoding, cuts pages at row boundaries,
/// encodes levels and values separately, compresses, and folds in the statistics.
///
/// Encoding policy, per column chunk (DuckDB-style: decided after looking at the whole chunk):
/// 1. BOOLEAN: PLAIN.
/// 2. If dictionaries are enabled and the chunk's distinct values stay within the entry and
///    byte limits, and dictionary page + indices are smaller than PLAIN: RLE_DICTIONARY.
/// 3. Else INT32/INT64 with delta enabled: DELTA_BINARY_PACKED when it saves at least 10% over
///    PLAIN and no miniblock needs more than 30 bits. (fastparquet 2026.9 silently misdecodes
///    miniblocks of 31 bits or more, even in pyarrow's own files; such wide deltas save little.)
/// 4. Else PLAIN.
///
/// With a `DictionaryHistory` (a file writer's, one flag per leaf column), a column whose
/// dictionary lost in its previous chunk tries the first `DictionaryHistory.sampleValues` values
/// first and skips the dictionary when more than half of them are distinct: mostly-unique
/// columns (ids, free text) then cost one small sample per chunk instead of a full dictionary
/// build that is thrown away (measured: 360 small row groups of a hash-partitioned dataset).
public struct ColumnChunkEncoder: Sendable {
    public var options: WriterOptions
    public var compressor: any PageCompressor
    var history: DictionaryHistory?

    public init(options: WriterOptions, compressor: any PageCompressor) {
        self.options = options
        self.compressor = compressor
    }

    /// An encoder that remembers, per leaf column (`encode(_:leaf:)`), whether its last
    /// dictionary lost.
    init(options: WriterOptions, compressor: any PageCompressor, columns: Int) {
        self.init(options: options, compressor: compressor)
        history = DictionaryHistory(columns: columns)
    }

    /// Widest DELTA_BINARY_PACKED miniblock the policy accepts (see the type's documentation).
    static let widestDeltaMiniblock = 30

    private enum ValuePlan {
        case plain
        /// `firstPositions`: for byte arrays, the position of each entry's first value (statistics
        /// then compare the distinct values only).
        case dictionary(indices: [UInt32], page: ByteWriter, entries: Int, firstPositions: [Int]?)
        case delta
    }

    public func encode(_ column: ColumnBuffer) throws(ParquetError) -> EncodedColumnChunk {
        try encode(column, leaf: nil)
    }

    /// Encodes leaf column `leaf` of the schema (the index `history` keeps its flag under).
    func encode(_ column: ColumnBuffer, leaf: Int?) throws(ParquetError) -> EncodedColumnChunk {
        let d = column.descriptor
        let plan = choosePlan(column, leaf: leaf)
        let scratch = PageScratch.take()
        defer { PageScratch.give(scratch) }
        var chunk = ByteWriter(reusing: ChunkBytesPool.take(capacity: column.estimatedByteSize / 2 + 64))
        var totalUncompressed = 0
        var dictionaryPageLength = 0
        var encodingStats: [PageEncodingStats] = []
        let valueEncoding: Encoding
        var indexBitWidth = 0

        switch plan {
        case .dictionary(_, let page, let entries, _):
            valueEncoding = .rleDictionary
            indexBitWidth = max(1, BitPacking.bitWidth(of: UInt64(entries - 1)))
            let header = DictionaryPageHeader(numValues: Int32(entries))
            totalUncompressed += try writePage(
                body: page.bytes, levelBytes: 0, kind: .dictionary(header), into: &chunk, column: d, scratch: scratch)
            dictionaryPageLength = chunk.count
            encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1))
        case .delta: valueEncoding = .deltaBinaryPacked
        case .plain: valueEncoding = .plain
        }

        var levelScratch: [UInt32] = []
        // The scratch's body buffer, moved out for the loop (no class-property access per append).
        var body = scratch.body
        scratch.body = ByteWriter()
        defer { scratch.body = body }
        body.bytes.reserveCapacity(min(options.dataPageSize + 1024, 16 << 20))
        var pageCount = 0
        for page in pageRanges(column, plan: plan, indexBitWidth: indexBitWidth) {
            body.removeAll()
            let v1 = options.dataPageVersion == .v1
            if d.maxRepetitionLevel > 0 {
                LevelEncoder.encode(
                    column.repetitionLevels[page.levels], maxLevel: d.maxRepetitionLevel, lengthPrefixed: v1,
                    into: &body, scratch: &levelScratch)
            }
            let repBytes = body.count
            if d.maxDefinitionLevel > 0 {
                LevelEncoder.encode(
                    column.definitionLevels[page.levels], maxLevel: d.maxDefinitionLevel, lengthPrefixed: v1,
                    into: &body, scratch: &levelScratch)
            }
            let levelBytes = body.count
            switch plan {
            case .plain: encodePlain(column, range: page.values, into: &body)
            case .delta:
                if d.physicalType == .int32 {
                    DeltaBinaryPackedEncoder.encode(column.int32s[page.values], into: &body)
                } else {
                    DeltaBinaryPackedEncoder.encode(column.int64s[page.values], into: &body)
                }
            case .dictionary(let indices, _, _, _):
                body.append(UInt8(indexBitWidth))
                indices.withUnsafeBufferPointer {
                    RLEHybridEncoder.encode(
                        UnsafeBufferPointer(rebasing: $0[page.values]), bitWidth: indexBitWidth, into: &body)
                }
            }
            let numValues = Int32(page.levels.count)
            let kind: PageHeader.Kind
            if v1 {
                kind = .data(DataPageHeader(numValues: numValues, encoding: valueEncoding))
            } else {
                kind = .dataV2(
                    DataPageHeaderV2(
                        numValues: numValues, numNulls: Int32(page.levels.count - page.values.count),
                        numRows: Int32(page.rows), encoding: valueEncoding,
                        definitionLevelsByteLength: Int32(levelBytes - repBytes),
                        repetitionLevelsByteLength: Int32(repBytes),
                        isCompressed: compressor.codec != .uncompressed))
            }
            totalUncompressed += try writePage(
                body: body.bytes, levelBytes: v1 ? 0 : levelBytes, kind: kind, into: &chunk, column: d, scratch: scratch)
            pageCount += 1
        }
        encodingStats.append(
            PageEncodingStats(
                pageType: options.dataPageVersion == .v1 ? .dataPage : .dataPageV2, encoding: valueEncoding,
                count: Int32(pageCount)))

        var distinctPositions: [Int]?
        if case .dictionary(_, _, _, let positions) = plan { distinctPositions = positions }
        var encodings: Set<Encoding> = [valueEncoding]
        if d.maxDefinitionLevel > 0 || d.maxRepetitionLevel > 0 { encodings.insert(.rle) }
        if case .dictionary = plan { encodings.insert(.plain) }
        return EncodedColumnChunk(
            descriptor: d, bytes: chunk.bytes, dictionaryPageLength: dictionaryPageLength,
            numValues: Int64(column.levelCount), totalUncompressedSize: Int64(totalUncompressed),
            encodings: encodings.sorted(), encodingStats: encodingStats,
            statistics: ChunkStatistics.compute(column, truncateLength: options.statisticsTruncateLength, distinctPositions: distinctPositions),
            valueEncoding: valueEncoding, dataPageCount: pageCount)
    }

    /// Compresses `body` (all of it in v1; past the first `levelBytes` in v2), writes header and
    /// page; returns the page's uncompressed size with its header.
    private func writePage(
        body: [UInt8], levelBytes: Int, kind: PageHeader.Kind, into chunk: inout ByteWriter, column: ColumnDescriptor,
        scratch: PageScratch
    ) throws(ParquetError) -> Int {
        guard body.count < Int(Int32.max) else {
            throw ParquetError(.limitExceeded, "a page over 2 GiB", columnPath: column.dottedPath)
        }
        let out = scratch.reserveCompressed(levelBytes + compressor.maxCompressedLength(body.count - levelBytes))
        var compressedCount = 0
        var failure: ParquetError?
        body.withUnsafeBytes { raw in
            do throws(ParquetError) {
                if levelBytes > 0 { out.baseAddress!.copyMemory(from: raw.baseAddress!, byteCount: levelBytes) }
                compressedCount = levelBytes + (try compressor.compress(
                    UnsafeRawBufferPointer(rebasing: raw[levelBytes...]), to: UnsafeMutableRawBufferPointer(rebasing: out[levelBytes...])))
            } catch {
                failure = error
            }
        }
        if var failure {
            failure.columnPath = column.dottedPath
            throw failure
        }
        guard compressedCount < Int(Int32.max) else {
            throw ParquetError(.limitExceeded, "a compressed page over 2 GiB", columnPath: column.dottedPath)
        }
        let header = PageHeader(
            uncompressedPageSize: Int32(body.count), compressedPageSize: Int32(compressedCount), kind: kind)
        var thrift = ThriftCompactWriter(output: ByteWriter(capacity: 64))
        header.write(to: &thrift)
        chunk.append(contentsOf: thrift.bytes)
        chunk.append(UnsafeRawBufferPointer(start: out.baseAddress, count: compressedCount))
        return thrift.bytes.count + body.count
    }

    // MARK: Encoding choice

    private func choosePlan(_ column: ColumnBuffer, leaf: Int?) -> ValuePlan {
        let d = column.descriptor
        let count = column.valueCount
        guard count > 0 else { return .plain }
        let plainSize = plainByteSize(column)
        if options.dictionaryEnabled && d.physicalType != .boolean {
            let lostLastTime = leaf.map { history?.lost($0) ?? false } ?? false
            if !(lostLastTime && mostlyDistinct(column, first: min(count, DictionaryHistory.sampleValues))),
                let (indices, page, entries, positions) = buildDictionary(column)
            {
                let width = max(1, BitPacking.bitWidth(of: UInt64(entries - 1)))
                let estimate = page.count + (count * width + 7) / 8
                if estimate < plainSize {
                    if let leaf { history?.record(leaf, lost: false) }
                    return .dictionary(indices: indices, page: page, entries: entries, firstPositions: positions)
                }
            }
            if let leaf { history?.record(leaf, lost: true) }
        }
        if options.deltaEncodingEnabled && (d.physicalType == .int32 || d.physicalType == .int64) && count > 1 {
            var probe = ByteWriter(capacity: plainSize)
            let widest = d.physicalType == .int32
                ? DeltaBinaryPackedEncoder.encode(column.int32s[...], into: &probe)
                : DeltaBinaryPackedEncoder.encode(column.int64s[...], into: &probe)
            if probe.count * 10 <= plainSize * 9 && widest <= Self.widestDeltaMiniblock { return .delta }
        }
        return .plain
    }

    /// Whether more than half of the first `first` values are distinct (a dictionary built on them).
    private func mostlyDistinct(_ column: ColumnBuffer, first: Int) -> Bool {
        var sample = ColumnBuffer(column.descriptor)
        sample.append(from: column, levels: 0..<0, values: 0..<first)
        guard let built = buildDictionary(sample, entryLimit: first, byteLimit: Int.max) else { return true }
        return built.entries * 2 > first
    }

    private func plainByteSize(_ column: ColumnBuffer) -> Int {
        switch column.descriptor.physicalType {
        case .boolean: (column.booleans.count + 7) / 8
        case .int32, .float: column.valueCount * 4
        case .int64, .double: column.valueCount * 8
        case .int96: column.valueCount * 12
        case .byteArray: column.byteArrays.bytes.count + 4 * column.byteArrays.count
        case .fixedLenByteArray: column.byteArrays.bytes.count
        }
    }

    /// The dictionary (as its PLAIN page body) and every value's index; nil past the limits.
    private func buildDictionary(_ column: ColumnBuffer) -> (indices: [UInt32], page: ByteWriter, entries: Int, firstPositions: [Int]?)? {
        buildDictionary(column, entryLimit: options.dictionaryEntryLimit, byteLimit: options.dictionaryPageSizeLimit)
    }

    private func buildDictionary(_ column: ColumnBuffer, entryLimit: Int, byteLimit: Int) -> (indices: [UInt32], page: ByteWriter, entries: Int, firstPositions: [Int]?)? {
        var page = ByteWriter()
        func fixed<T: BitwiseCopyable>(_ values: [T], width: Int, bits: (T) -> UInt64)
            -> (indices: [UInt32], page: ByteWriter, entries: Int, firstPositions: [Int]?)?
        {
            values.withUnsafeBufferPointer { values in
                guard let built = DictionaryBuilder.build(fixedWidth: values, bits: bits, valueByteWidth: width, entryLimit: entryLimit, byteLimit: byteLimit)
                else { return nil }
                PlainEncoder.encode(fixedWidth: built.entries.map { values[$0] }[...], into: &page)
                return (built.indices, page, built.entries.count, nil)
            }
        }
        switch column.descriptor.physicalType {
        case .boolean, .int96:
            return nil
        case .int32:
            return fixed(column.int32s, width: 4, bits: { UInt64(UInt32(bitPattern: $0)) })
        case .int64:
            return fixed(column.int64s, width: 8, bits: { UInt64(bitPattern: $0) })
        case .float:
            return fixed(column.floats, width: 4, bits: { UInt64($0.bitPattern) })
        case .double:
            return fixed(column.doubles, width: 8, bits: { $0.bitPattern })
        case .byteArray, .fixedLenByteArray:
            let isFixed = column.descriptor.physicalType == .fixedLenByteArray
            guard
                let built = DictionaryBuilder.build(
                    byteArrays: column.byteArrays, entryLimit: entryLimit, byteLimit: byteLimit,
                    lengthPrefix: isFixed ? 0 : 4)
            else { return nil }
            for entry in built.entries {
                let value = column.byteArrays[entry]
                if !isFixed { page.appendLittleEndian(UInt32(value.count)) }
                page.append(contentsOf: value)
            }
            return (built.indices, page, built.entries.count, built.entries)
        }
    }

    private func encodePlain(_ column: ColumnBuffer, range: Range<Int>, into out: inout ByteWriter) {
        switch column.descriptor.physicalType {
        case .boolean: PlainEncoder.encode(column.booleans[range], into: &out)
        case .int32: PlainEncoder.encode(fixedWidth: column.int32s[range], into: &out)
        case .int64: PlainEncoder.encode(fixedWidth: column.int64s[range], into: &out)
        case .int96: PlainEncoder.encode(column.int96s[range], into: &out)
        case .float: PlainEncoder.encode(fixedWidth: column.floats[range], into: &out)
        case .double: PlainEncoder.encode(fixedWidth: column.doubles[range], into: &out)
        case .byteArray: PlainEncoder.encode(byteArrays: column.byteArrays, range: range, into: &out)
        case .fixedLenByteArray: PlainEncoder.encode(fixedByteArrays: column.byteArrays, range: range, into: &out)
        }
    }

    // MARK: Page cutting

    struct PageRange {
        var levels: Range<Int>
        var values: Range<Int>
        var rows: Int
    }

    /// Cuts the chunk into pages at row boundaries (repetition level 0), each close to the target
    /// page size by an O(1) estimate of its levels and values.
    private func pageRanges(_ column: ColumnBuffer, plan: ValuePlan, indexBitWidth: Int) -> [PageRange] {
        let d = column.descriptor
        let levelCount = column.levelCount
        let levelBits = LevelEncoder.bitWidth(maxLevel: d.maxDefinitionLevel)
            + LevelEncoder.bitWidth(maxLevel: d.maxRepetitionLevel)
        // Fixed per-value cost in bits; byte arrays under PLAIN add their lengths from offsets.
        let valueBits: Int
        var variableLength = false
        switch plan {
        case .dictionary: valueBits = indexBitWidth
        case .delta: valueBits = d.physicalType == .int32 ? 16 : 32  // a conservative guess
        case .plain:
            switch d.physicalType {
            case .boolean: valueBits = 1
            case .int32, .float: valueBits = 32
            case .int64, .double: valueBits = 64
            case .int96: valueBits = 96
            case .byteArray:
                valueBits = 32
                variableLength = true
            case .fixedLenByteArray: valueBits = 8 * d.typeLength
            }
        }
        let target = max(1, options.dataPageSize) * 8  // in bits
        let maxDef = d.maxDefinitionLevel
        let repeated = d.maxRepetitionLevel > 0
        if !repeated && column.valueCount == levelCount {
            return Self.flatPageRanges(column, perRow: levelBits + valueBits, variableLength: variableLength, target: target)
        }
        var pages: [PageRange] = []
        var levelStart = 0
        var valueStart = 0
        var level = 0
        var value = 0
        var rows = 0
        // Raw pointers: one pass over the levels with no bounds checks or closure calls per row.
        // Empty arrays are never read (a flat column has no repetition levels, a required one no
        // definition levels).
        column.definitionLevels.withUnsafeBufferPointer { defs in
            column.repetitionLevels.withUnsafeBufferPointer { reps in
                column.byteArrays.offsets.withUnsafeBufferPointer { offsets in
                    while level < levelCount {
                        // Advance one row.
                        repeat {
                            if maxDef == 0 || defs[level] == maxDef { value &+= 1 }
                            level &+= 1
                        } while repeated && level < levelCount && reps[level] != 0
                        rows &+= 1
                        var bits = (level &- levelStart) &* levelBits &+ (value &- valueStart) &* valueBits
                        if variableLength { bits &+= 8 &* Int(offsets[value] &- offsets[valueStart]) }
                        if bits >= target || level &- levelStart >= Int(Int32.max / 2) {
                            pages.append(PageRange(levels: levelStart..<level, values: valueStart..<value, rows: rows))
                            levelStart = level
                            valueStart = value
                            rows = 0
                        }
                    }
                }
            }
        }
        if level > levelStart || pages.isEmpty {
            pages.append(PageRange(levels: levelStart..<level, values: valueStart..<value, rows: rows))
        }
        return pages
    }

    /// `pageRanges` for a column with no repetition and no nulls, where entry, value and row
    /// coincide: the same cuts (the first row at which a page's estimate reaches `target`),
    /// computed per page instead of per row: by division for fixed widths, by binary search over
    /// the value offsets for byte arrays.
    static func flatPageRanges(_ column: ColumnBuffer, perRow: Int, variableLength: Bool, target: Int) -> [PageRange] {
        let rows = column.levelCount
        let maxRows = Int(Int32.max / 2)
        var pages: [PageRange] = []
        var start = 0
        column.byteArrays.offsets.withUnsafeBufferPointer { offsets in
            // The estimate of rows start..<start+n, in bits; grows with n.
            func bits(_ n: Int) -> Int {
                n &* perRow &+ (variableLength ? 8 &* Int(offsets[start &+ n] &- offsets[start]) : 0)
            }
            while start < rows {
                let remaining = rows - start
                var n: Int
                if !variableLength {
                    n = perRow > 0 ? (target + perRow - 1) / perRow : remaining
                } else if bits(remaining) < target {
                    n = remaining
                } else {
                    // The smallest n ≥ 1 with bits(n) ≥ target (bits(remaining) reaches it).
                    var low = 1
                    var high = remaining
                    while low < high {
                        let mid = low + (high - low) / 2
                        if bits(mid) >= target { high = mid } else { low = mid + 1 }
                    }
                    n = low
                }
                n = max(1, min(n, remaining, maxRows))
                pages.append(PageRange(levels: start..<(start + n), values: start..<(start + n), rows: n))
                start += n
            }
        }
        if pages.isEmpty { pages.append(PageRange(levels: 0..<0, values: 0..<0, rows: 0)) }
        return pages
    }
}

/// Per leaf column of one file: whether its last dictionary lost (overflowed its limits or was
/// no smaller than PLAIN). Columns are encoded on several threads at once, each its own flag.
final class DictionaryHistory: @unchecked Sendable {
    /// Values a column whose dictionary lost last time is sampled on first.
    static let sampleValues = 1024
    private let flags: UnsafeMutablePointer<Bool>
    private let count: Int

    init(columns: Int) {
        count = max(1, columns)
        flags = .allocate(capacity: count)
        flags.initialize(repeating: false, count: count)
    }

    deinit { flags.deallocate() }

    func lost(_ leaf: Int) -> Bool { leaf < count && flags[leaf] }

    func record(_ leaf: Int, lost: Bool) {
        if leaf < count { flags[leaf] = lost }
    }
}
