/// The values and levels of one leaf column, for a batch or a row group.
///
/// Storage is columnar and typed: only the array that matches the physical type is used.
/// `values` hold present values only; nulls exist as definition levels below the maximum.
///
/// - `definitionLevels` is empty when the column's max definition level is 0 (every value present).
/// - `repetitionLevels` is empty when the max repetition level is 0 (no repeated ancestor).
/// - `levelCount` counts entries (values and nulls); for a flat column it is the row count.
public struct ColumnBuffer: Sendable {
    public let descriptor: ColumnDescriptor
    public var definitionLevels: [Int16] = []
    public var repetitionLevels: [Int16] = []
    public var booleans: [Bool] = []
    public var int32s: [Int32] = []
    public var int64s: [Int64] = []
    public var int96s: [Int96] = []
    public var floats: [Float] = []
    public var doubles: [Double] = []
    /// BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY values.
    public var byteArrays = ByteArrayBuffer()
    /// Entries written: values plus nulls plus empty-list markers. The append methods keep it;
    /// code that fills the arrays directly must keep it equal to the entries it adds.
    public var levelCount = 0

    public init(_ descriptor: ColumnDescriptor) {
        self.descriptor = descriptor
    }

    /// Number of present (non-null) values.
    public var valueCount: Int {
        switch descriptor.physicalType {
        case .boolean: booleans.count
        case .int32: int32s.count
        case .int64: int64s.count
        case .int96: int96s.count
        case .float: floats.count
        case .double: doubles.count
        case .byteArray, .fixedLenByteArray: byteArrays.count
        }
    }

    /// Rough in-memory size of the buffered data, used to cut row groups.
    public var estimatedByteSize: Int {
        let levels = (definitionLevels.count + repetitionLevels.count) * 2
        let values: Int = switch descriptor.physicalType {
        case .boolean: booleans.count
        case .int32, .float: valueCount * 4
        case .int64, .double: valueCount * 8
        case .int96: int96s.count * 12
        case .byteArray: byteArrays.bytes.count + byteArrays.count * 4
        case .fixedLenByteArray: byteArrays.bytes.count
        }
        return levels + values
    }

    /// Records the levels of one entry; call after appending the value (if any).
    @inlinable
    public mutating func appendLevels(repetition: Int16, definition: Int16) {
        if descriptor.maxDefinitionLevel > 0 { definitionLevels.append(definition) }
        if descriptor.maxRepetitionLevel > 0 { repetitionLevels.append(repetition) }
        levelCount += 1
    }

    /// Adds `count` entries whose levels are implied (flat required columns): used by bulk appends.
    public mutating func addLevelCount(_ count: Int) {
        precondition(descriptor.maxDefinitionLevel == 0 && descriptor.maxRepetitionLevel == 0)
        levelCount += count
    }

    /// Adds `count` entries of a flat optional column, all present (definition level 1).
    public mutating func appendAllPresentLevels(_ count: Int) {
        precondition(descriptor.maxRepetitionLevel == 0)
        if descriptor.maxDefinitionLevel > 0 {
            definitionLevels.append(contentsOf: repeatElement(descriptor.maxDefinitionLevel, count: count))
        }
        levelCount += count
    }

    /// Whether any array has storage allocated (e.g. kept by `removeAll(keepingCapacity: true)`).
    public var hasStorage: Bool {
        definitionLevels.capacity + repetitionLevels.capacity + booleans.capacity + int32s.capacity + int64s.capacity
            + int96s.capacity + floats.capacity + doubles.capacity + byteArrays.bytes.capacity > 0
    }

    /// Sizes of every array: a point to roll back to.
    public struct Mark: Sendable {
        var definitionLevels, repetitionLevels, booleans, int32s, int64s, int96s, floats, doubles, byteArrays, bytes, levelCount: Int
    }

    public var mark: Mark {
        Mark(
            definitionLevels: definitionLevels.count, repetitionLevels: repetitionLevels.count, booleans: booleans.count,
            int32s: int32s.count, int64s: int64s.count, int96s: int96s.count, floats: floats.count, doubles: doubles.count,
            byteArrays: byteArrays.count, bytes: byteArrays.bytes.count, levelCount: levelCount)
    }

    /// Drops everything appended after `mark` (a rejected record's partial values and levels).
    public mutating func truncate(to mark: Mark) {
        definitionLevels.removeSubrange(mark.definitionLevels...)
        repetitionLevels.removeSubrange(mark.repetitionLevels...)
        booleans.removeSubrange(mark.booleans...)
        int32s.removeSubrange(mark.int32s...)
        int64s.removeSubrange(mark.int64s...)
        int96s.removeSubrange(mark.int96s...)
        floats.removeSubrange(mark.floats...)
        doubles.removeSubrange(mark.doubles...)
        byteArrays.offsets.removeSubrange((mark.byteArrays + 1)...)
        byteArrays.bytes.removeSubrange(mark.bytes...)
        levelCount = mark.levelCount
    }

    /// Empties the buffer, keeping its capacity for the next row group.
    public mutating func removeAll(keepingCapacity: Bool = true) {
        definitionLevels.removeAll(keepingCapacity: keepingCapacity)
        repetitionLevels.removeAll(keepingCapacity: keepingCapacity)
        booleans.removeAll(keepingCapacity: keepingCapacity)
        int32s.removeAll(keepingCapacity: keepingCapacity)
        int64s.removeAll(keepingCapacity: keepingCapacity)
        int96s.removeAll(keepingCapacity: keepingCapacity)
        floats.removeAll(keepingCapacity: keepingCapacity)
        doubles.removeAll(keepingCapacity: keepingCapacity)
        byteArrays.removeAll(keepingCapacity: keepingCapacity)
        levelCount = 0
    }

    /// Appends several buffers of this column in order, reserving every array's final size first
    /// (one copy of each value; appending them one by one regrows the arrays along the way).
    public mutating func append(contentsOf others: [ColumnBuffer]) {
        func reserve<T>(_ array: inout [T], _ count: (ColumnBuffer) -> Int) {
            let total = array.count + others.reduce(0) { $0 + count($1) }
            if total > array.capacity { array.reserveCapacity(total) }
        }
        reserve(&definitionLevels) { $0.definitionLevels.count }
        reserve(&repetitionLevels) { $0.repetitionLevels.count }
        reserve(&booleans) { $0.booleans.count }
        reserve(&int32s) { $0.int32s.count }
        reserve(&int64s) { $0.int64s.count }
        reserve(&int96s) { $0.int96s.count }
        reserve(&floats) { $0.floats.count }
        reserve(&doubles) { $0.doubles.count }
        reserve(&byteArrays.bytes) { $0.byteArrays.bytes.count }
        reserve(&byteArrays.offsets) { $0.byteArrays.count }
        for other in others { append(contentsOf: other) }
    }

    /// Appends all entries of `other` (same column).
    public mutating func append(contentsOf other: ColumnBuffer) {
        precondition(other.descriptor == descriptor, "appending a buffer of another column")
        definitionLevels.append(contentsOf: other.definitionLevels)
        repetitionLevels.append(contentsOf: other.repetitionLevels)
        booleans.append(contentsOf: other.booleans)
        int32s.append(contentsOf: other.int32s)
        int64s.append(contentsOf: other.int64s)
        int96s.append(contentsOf: other.int96s)
        floats.append(contentsOf: other.floats)
        doubles.append(contentsOf: other.doubles)
        byteArrays.append(contentsOf: other.byteArrays, range: 0..<other.byteArrays.count)
        levelCount += other.levelCount
    }

    /// Checks that levels and values agree; a malformed batch from library users fails here, not in a reader.
    public func validate() throws(ParquetError) {
        let path = descriptor.dottedPath
        let maxDef = descriptor.maxDefinitionLevel
        if maxDef > 0 && definitionLevels.count != levelCount {
            throw ParquetError(.invalidBatch, "\(definitionLevels.count) definition levels for \(levelCount) entries", columnPath: path)
        }
        if descriptor.maxRepetitionLevel > 0 && repetitionLevels.count != levelCount {
            throw ParquetError(.invalidBatch, "\(repetitionLevels.count) repetition levels for \(levelCount) entries", columnPath: path)
        }
        // One branch-free pass (no short-circuit, so it vectorises): present entries, and whether
        // any level is out of range.
        let (present, outOfRange) = definitionLevels.withUnsafeBufferPointer { levels -> (Int, Bool) in
            var present = 0
            var highest: UInt16 = 0
            for level in levels {
                present &+= level == maxDef ? 1 : 0
                highest = max(highest, UInt16(bitPattern: level))
            }
            return (maxDef == 0 ? levelCount : present, highest > UInt16(maxDef))
        }
        if outOfRange, let bad = definitionLevels.first(where: { $0 < 0 || $0 > maxDef }) {
            throw ParquetError(.invalidBatch, "definition level \(bad) outside 0...\(maxDef)", columnPath: path)
        }
        if present != valueCount {
            throw ParquetError(.invalidBatch, "\(valueCount) values for \(present) present entries", columnPath: path)
        }
        if let bad = repetitionLevels.first(where: { $0 < 0 || $0 > descriptor.maxRepetitionLevel }) {
            throw ParquetError(.invalidBatch, "repetition level \(bad) outside 0...\(descriptor.maxRepetitionLevel)", columnPath: path)
        }
        if descriptor.maxRepetitionLevel > 0, let first = repetitionLevels.first, first != 0 {
            throw ParquetError(.invalidBatch, "a batch must start a new row (repetition level 0)", columnPath: path)
        }
        if descriptor.physicalType == .fixedLenByteArray {
            let width = UInt32(descriptor.typeLength)
            for i in 0..<byteArrays.count where byteArrays.offsets[i + 1] - byteArrays.offsets[i] != width {
                throw ParquetError(.invalidBatch, "value \(i) is not \(width) bytes long", columnPath: path)
            }
        }
    }

    /// Where each row starts: its first level entry and first value (`count == rows + 1`).
    public func rowStarts() -> (levels: [Int], values: [Int]) {
        let maxDef = descriptor.maxDefinitionLevel
        let maxRep = descriptor.maxRepetitionLevel
        if maxRep == 0 && maxDef == 0 {
            let all = Array(0...levelCount)
            return (all, all)
        }
        var levels: [Int] = []
        var values: [Int] = []
        levels.reserveCapacity(levelCount + 1)
        values.reserveCapacity(levelCount + 1)
        var value = 0
        for i in 0..<levelCount {
            if maxRep == 0 || repetitionLevels[i] == 0 {
                levels.append(i)
                values.append(value)
            }
            if maxDef == 0 || definitionLevels[i] == maxDef { value += 1 }
        }
        levels.append(levelCount)
        values.append(value)
        return (levels, values)
    }

    /// A buffer holding only `rows` (ascending row indices), given `starts` from `rowStarts()`.
    public func gather(rows: UnsafeBufferPointer<Int32>, starts: (levels: [Int], values: [Int])) -> ColumnBuffer {
        if descriptor.maxRepetitionLevel == 0 { return gatherFlat(rows: rows, starts: starts.values) }
        var out = ColumnBuffer(descriptor)
        for r in rows {
            let row = Int(r)
            let levels = starts.levels[row]..<starts.levels[row + 1]
            let values = starts.values[row]..<starts.values[row + 1]
            out.append(from: self, levels: levels, values: values)
        }
        return out
    }

    /// Appends level entries `levels` of `other` (same column) and the values `values` they hold.
    mutating func append(from other: ColumnBuffer, levels: Range<Int>, values: Range<Int>) {
        if descriptor.maxDefinitionLevel > 0 { definitionLevels.append(contentsOf: other.definitionLevels[levels]) }
        if descriptor.maxRepetitionLevel > 0 { repetitionLevels.append(contentsOf: other.repetitionLevels[levels]) }
        levelCount += levels.count
        guard !values.isEmpty else { return }
        switch descriptor.physicalType {
        case .boolean: booleans.append(contentsOf: other.booleans[values])
        case .int32: int32s.append(contentsOf: other.int32s[values])
        case .int64: int64s.append(contentsOf: other.int64s[values])
        case .int96: int96s.append(contentsOf: other.int96s[values])
        case .float: floats.append(contentsOf: other.floats[values])
        case .double: doubles.append(contentsOf: other.doubles[values])
        case .byteArray, .fixedLenByteArray: byteArrays.append(contentsOf: other.byteArrays, range: values)
        }
    }

    /// Splits the column into `counts.count` buffers in one sequential pass: row `r` goes to
    /// buffer `partitionOfRow[r]` (0 ..< counts.count; `counts[p]` rows each), rows in order.
    /// The scatter twin of `gather`, for few partitions: the source is read once, in order,
    /// instead of once per partition at a stride.
    public func scatter(partitionOfRow: UnsafeBufferPointer<Int32>, counts: [Int]) -> [ColumnBuffer] {
        let parts = counts.count
        let levels = levelCount
        let maxDef = descriptor.maxDefinitionLevel
        let repeated = descriptor.maxRepetitionLevel > 0
        var outputs = (0..<parts).map { _ in ColumnBuffer(descriptor) }
        // The partition of every level entry, and how many levels, values and bytes each receives.
        // A column with no repeated ancestor has one level entry per row: its entries' partitions
        // are the rows' and its level counts the row counts, with no pass to find them; a required
        // one's value counts too.
        let partitionOfLevel: UnsafeBufferPointer<Int32>
        var ownedPartitionOfLevel: UnsafeMutableBufferPointer<Int32>?
        defer { ownedPartitionOfLevel?.deallocate() }
        var levelCounts = [Int](repeating: 0, count: parts)
        var valueCounts = [Int](repeating: 0, count: parts)
        var byteCounts = [Int](repeating: 0, count: parts)
        let isBytes = descriptor.physicalType == .byteArray || descriptor.physicalType == .fixedLenByteArray
        if !repeated {
            precondition(levels == partitionOfRow.count, "one partition per row")
            partitionOfLevel = partitionOfRow
            levelCounts = counts
            if maxDef == 0 { valueCounts = counts }
            if maxDef > 0 || isBytes {
                definitionLevels.withUnsafeBufferPointer { defs in
                    byteArrays.offsets.withUnsafeBufferPointer { offsets in
                        valueCounts.withUnsafeMutableBufferPointer { valueCounts in
                            byteCounts.withUnsafeMutableBufferPointer { byteCounts in
                                var value = 0
                                for l in 0..<levels where maxDef == 0 || defs[l] == maxDef {
                                    let p = Int(partitionOfRow[l])
                                    if maxDef > 0 { valueCounts[p] &+= 1 }
                                    if isBytes { byteCounts[p] &+= Int(offsets[value &+ 1] &- offsets[value]) }
                                    value &+= 1
                                }
                            }
                        }
                    }
                }
            }
        } else {
            let owned = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, levels))
            ownedPartitionOfLevel = owned
            partitionOfLevel = UnsafeBufferPointer(owned)
            definitionLevels.withUnsafeBufferPointer { defs in
                repetitionLevels.withUnsafeBufferPointer { reps in
                    byteArrays.offsets.withUnsafeBufferPointer { offsets in
                        var value = 0
                        var row = -1
                        for l in 0..<levels {
                            if !repeated || reps[l] == 0 { row &+= 1 }
                            let p = Int(partitionOfRow[row])
                            owned[l] = Int32(truncatingIfNeeded: p)
                            levelCounts[p] &+= 1
                            if maxDef == 0 || defs[l] == maxDef {
                                valueCounts[p] &+= 1
                                if isBytes { byteCounts[p] &+= Int(offsets[value &+ 1] &- offsets[value]) }
                                value &+= 1
                            }
                        }
                        precondition(row + 1 == partitionOfRow.count, "one partition per row")
                    }
                }
            }
        }
        for p in 0..<parts { outputs[p].levelCount = levelCounts[p] }
        // Each pass writes every partition's array in place: the arrays are created with their
        // exact counts, uninitialised, and filled through one pointer per partition.
        func splitLevels(_ source: [Int16], into keyPath: WritableKeyPath<ColumnBuffer, [Int16]>) {
            let split = Self.makeArrays(Int16.self, counts: levelCounts) { destinations in
                var cursors = [Int](repeating: 0, count: parts)
                source.withUnsafeBufferPointer { source in
                    cursors.withUnsafeMutableBufferPointer { cursors in
                        for l in 0..<levels {
                            let p = Int(partitionOfLevel[l])
                            destinations[p][cursors[p]] = source[l]
                            cursors[p] &+= 1
                        }
                    }
                }
            }
            for (p, part) in split.enumerated() { outputs[p][keyPath: keyPath] = part }
        }
        if maxDef > 0 { splitLevels(definitionLevels, into: \.definitionLevels) }
        if repeated { splitLevels(repetitionLevels, into: \.repetitionLevels) }
        // Values: one pass with a write cursor per partition.
        func split<T>(_ values: [T], into keyPath: WritableKeyPath<ColumnBuffer, [T]>) {
            let split = Self.makeArrays(T.self, counts: valueCounts) { destinations in
                var cursors = [Int](repeating: 0, count: parts)
                definitionLevels.withUnsafeBufferPointer { defs in
                    values.withUnsafeBufferPointer { values in
                        cursors.withUnsafeMutableBufferPointer { cursors in
                            var value = 0
                            for l in 0..<levels where maxDef == 0 || defs[l] == maxDef {
                                let p = Int(partitionOfLevel[l])
                                (destinations[p] + cursors[p]).initialize(to: values[value])
                                cursors[p] &+= 1
                                value &+= 1
                            }
                        }
                    }
                }
            }
            for (p, part) in split.enumerated() { outputs[p][keyPath: keyPath] = part }
        }
        switch descriptor.physicalType {
        case .boolean: split(booleans, into: \.booleans)
        case .int32: split(int32s, into: \.int32s)
        case .int64: split(int64s, into: \.int64s)
        case .int96: split(int96s, into: \.int96s)
        case .float: split(floats, into: \.floats)
        case .double: split(doubles, into: \.doubles)
        case .byteArray, .fixedLenByteArray:
            precondition(byteCounts.allSatisfy { $0 <= Int(UInt32.max) }, "a column buffer holds at most 4 GiB")
            // Each partition's bytes, and its offsets (from 0: one more than its values), filled
            // in one pass with a byte cursor and a value cursor per partition.
            var splitOffsets: [[UInt32]] = []
            let splitBytes = Self.makeArrays(UInt8.self, counts: byteCounts) { byteDestinations in
                splitOffsets = Self.makeArrays(UInt32.self, counts: valueCounts.map { $0 + 1 }) { offsetDestinations in
                    var valueCursors = [Int](repeating: 1, count: parts)
                    var byteCursors = [Int](repeating: 0, count: parts)
                    for p in 0..<parts { offsetDestinations[p][0] = 0 }
                    definitionLevels.withUnsafeBufferPointer { defs in
                        byteArrays.offsets.withUnsafeBufferPointer { offsets in
                            byteArrays.bytes.withUnsafeBytes { bytes in
                                valueCursors.withUnsafeMutableBufferPointer { valueCursors in
                                    byteCursors.withUnsafeMutableBufferPointer { byteCursors in
                                        var value = 0
                                        for l in 0..<levels where maxDef == 0 || defs[l] == maxDef {
                                            let p = Int(partitionOfLevel[l])
                                            let start = Int(offsets[value])
                                            let length = Int(offsets[value &+ 1]) &- start
                                            let at = byteCursors[p]
                                            if length > 0 { copySmall(to: byteDestinations[p] + at, from: bytes.baseAddress! + start, count: length) }
                                            byteCursors[p] = at &+ length
                                            offsetDestinations[p][valueCursors[p]] = UInt32(truncatingIfNeeded: at &+ length)
                                            valueCursors[p] &+= 1
                                            value &+= 1
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for p in 0..<parts {
                outputs[p].byteArrays.bytes = splitBytes[p]
                outputs[p].byteArrays.offsets = splitOffsets[p]
            }
        }
        return outputs
    }

    /// Arrays of exactly `counts[p]` elements, created uninitialised and filled by `fill`, which
    /// gets one pointer per array and must initialise every element. Each array's initialiser
    /// opens the next one's, so all the pointers are valid at once inside `fill`.
    static func makeArrays<T>(
        _: T.Type, counts: [Int], _ fill: (UnsafeMutableBufferPointer<UnsafeMutablePointer<T>>) -> Void
    ) -> [[T]] {
        let destinations = UnsafeMutableBufferPointer<UnsafeMutablePointer<T>>.allocate(capacity: max(1, counts.count))
        defer { destinations.deallocate() }
        var arrays: [[T]] = []
        arrays.reserveCapacity(counts.count)
        // An empty array may have no storage: its pointer is never written through.
        let nowhere = UnsafeMutablePointer<T>(bitPattern: MemoryLayout<T>.alignment)!
        func open(_ p: Int) {
            guard p < counts.count else {
                fill(destinations)
                return
            }
            let array = [T](unsafeUninitializedCapacity: counts[p]) { buffer, initialized in
                destinations[p] = buffer.baseAddress ?? nowhere
                open(p + 1)
                initialized = counts[p]
            }
            arrays.append(array)
        }
        open(0)
        return arrays.reversed()
    }

    /// A run of consecutive rows bound for one output of `split(runs:parts:)`.
    public struct RowRun: Sendable, Equatable {
        public var rows: Range<Int>
        public var part: Int
        public init(rows: Range<Int>, part: Int) {
            self.rows = rows
            self.part = part
        }
    }

    /// Splits the column by runs of rows (in order, covering every row once): run `k`'s rows are
    /// appended to buffer `runs[k].part` (0 ..< parts). For rows that arrive grouped (a dataset
    /// partitioned by the date of time-ordered records) this copies ranges in bulk where
    /// `scatter` moves every value on its own.
    public func split(runs: [RowRun], parts: Int) -> [ColumnBuffer] {
        let maxDef = descriptor.maxDefinitionLevel
        let repeated = descriptor.maxRepetitionLevel > 0
        // The first level entry and value of every run, and the end.
        var levelAt = [Int](repeating: levelCount, count: runs.count + 1)
        var valueAt = [Int](repeating: valueCount, count: runs.count + 1)
        if maxDef == 0 && !repeated {
            for (k, run) in runs.enumerated() {
                levelAt[k] = run.rows.lowerBound
                valueAt[k] = run.rows.lowerBound
            }
        } else {
            definitionLevels.withUnsafeBufferPointer { defs in
                repetitionLevels.withUnsafeBufferPointer { reps in
                    var k = 0
                    var row = -1
                    var value = 0
                    for l in 0..<levelCount {
                        if !repeated || reps[l] == 0 {
                            row &+= 1
                            while k < runs.count && runs[k].rows.lowerBound == row {
                                levelAt[k] = l
                                valueAt[k] = value
                                k += 1
                            }
                        }
                        if maxDef == 0 || defs[l] == maxDef { value &+= 1 }
                    }
                    precondition(k == runs.count, "runs must start at rows of the column, in order")
                }
            }
        }
        var outputs = (0..<parts).map { _ in ColumnBuffer(descriptor) }
        var levels = [Int](repeating: 0, count: parts)
        var values = [Int](repeating: 0, count: parts)
        for k in runs.indices {
            levels[runs[k].part] += levelAt[k + 1] - levelAt[k]
            values[runs[k].part] += valueAt[k + 1] - valueAt[k]
        }
        for p in 0..<parts {
            if maxDef > 0 { outputs[p].definitionLevels.reserveCapacity(levels[p]) }
            if repeated { outputs[p].repetitionLevels.reserveCapacity(levels[p]) }
        }
        for (k, run) in runs.enumerated() {
            outputs[run.part].append(from: self, levels: levelAt[k]..<levelAt[k + 1], values: valueAt[k]..<valueAt[k + 1])
        }
        return outputs
    }

    /// `gather` for a column without repetition: one level entry per row and at most one value,
    /// copied element by element through raw pointers (no per-row array append).
    private func gatherFlat(rows: UnsafeBufferPointer<Int32>, starts: [Int]) -> ColumnBuffer {
        var out = ColumnBuffer(descriptor)
        let n = rows.count
        out.levelCount = n
        if descriptor.maxDefinitionLevel > 0 {
            out.definitionLevels = definitionLevels.withUnsafeBufferPointer { levels in
                [Int16](unsafeUninitializedCapacity: n) { buffer, count in
                    for k in 0..<n { buffer[k] = levels[Int(rows[k])] }
                    count = n
                }
            }
        }
        // The value index of each gathered row that has a value.
        let picked: [Int] = starts.withUnsafeBufferPointer { starts in
            var picked: [Int] = []
            picked.reserveCapacity(n)
            for k in 0..<n {
                let row = Int(rows[k])
                if starts[row + 1] > starts[row] { picked.append(starts[row]) }
            }
            return picked
        }
        func pick<T>(_ values: [T]) -> [T] {
            values.withUnsafeBufferPointer { values in
                [T](unsafeUninitializedCapacity: picked.count) { buffer, count in
                    for (k, i) in picked.enumerated() { (buffer.baseAddress! + k).initialize(to: values[i]) }
                    count = picked.count
                }
            }
        }
        switch descriptor.physicalType {
        case .boolean: out.booleans = pick(booleans)
        case .int32: out.int32s = pick(int32s)
        case .int64: out.int64s = pick(int64s)
        case .int96: out.int96s = pick(int96s)
        case .float: out.floats = pick(floats)
        case .double: out.doubles = pick(doubles)
        case .byteArray, .fixedLenByteArray:
            byteArrays.offsets.withUnsafeBufferPointer { offsets in
                var total = 0
                for i in picked { total += Int(offsets[i + 1] &- offsets[i]) }
                precondition(total <= Int(UInt32.max), "a column buffer holds at most 4 GiB")
                out.byteArrays.offsets = [UInt32](unsafeUninitializedCapacity: picked.count + 1) { buffer, count in
                    buffer[0] = 0
                    var end: UInt32 = 0
                    for (k, i) in picked.enumerated() {
                        end &+= offsets[i + 1] &- offsets[i]
                        buffer[k + 1] = end
                    }
                    count = picked.count + 1
                }
                out.byteArrays.bytes = byteArrays.bytes.withUnsafeBytes { bytes in
                    [UInt8](unsafeUninitializedCapacity: total) { buffer, count in
                        var at = 0
                        for i in picked {
                            let start = Int(offsets[i])
                            let length = Int(offsets[i + 1]) - start
                            copySmall(to: UnsafeMutableRawPointer(buffer.baseAddress! + at), from: bytes.baseAddress! + start, count: length)
                            at += length
                        }
                        count = total
                    }
                }
            }
        }
        return out
    }

    /// Rows in this buffer: entries with repetition level 0.
    public var rowCount: Int {
        descriptor.maxRepetitionLevel == 0 ? levelCount : repetitionLevels.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
    }
}

/// One batch of rows, as one `ColumnBuffer` per leaf column in schema order.
public struct ColumnBatch: Sendable {
    public var columns: [ColumnBuffer]
    /// Rows held; stored so that a schema without columns can still carry rows.
    public var rowCount: Int

    public init(schema: Schema) {
        columns = schema.columns.map(ColumnBuffer.init)
        rowCount = 0
    }

    /// A batch of filled columns; `rowCount` defaults to the first column's.
    public init(columns: [ColumnBuffer], rowCount: Int? = nil) {
        self.columns = columns
        self.rowCount = rowCount ?? columns.first?.rowCount ?? 0
    }

    /// Rough in-memory size of the columns (`ColumnBuffer.estimatedByteSize` summed).
    public var estimatedByteSize: Int { columns.reduce(0) { $0 + $1.estimatedByteSize } }

    /// The rows cut, in order, into batches of about `bytes` each (by `estimatedByteSize`, an
    /// equal row count per piece; at most one piece per row).
    public func split(intoPiecesOf bytes: Int) -> [ColumnBatch] {
        let parts = min(rowCount, (estimatedByteSize + bytes - 1) / max(bytes, 1))
        guard parts > 1 else { return [self] }
        let rowsPerPart = (rowCount + parts - 1) / parts
        let runs = stride(from: 0, to: rowCount, by: rowsPerPart).enumerated().map { k, start in
            ColumnBuffer.RowRun(rows: start..<min(rowCount, start + rowsPerPart), part: k)
        }
        let split = columns.map { $0.split(runs: runs, parts: runs.count) }
        return runs.indices.map { k in ColumnBatch(columns: split.map { $0[k] }, rowCount: runs[k].rows.count) }
    }
}

/// Copies `count` bytes; values of a few dozen bytes (most column values) move as 8-byte words
/// inline instead of through a `memmove` call each. The last word (or the two halves of a 4–7
/// byte value) overlaps the ones before, so no value ends in a byte-by-byte loop; only bytes of
/// the value are read and written.
@inline(__always)
package func copySmall(to destination: UnsafeMutableRawPointer, from source: UnsafeRawPointer, count: Int) {
    if count > 64 {
        destination.copyMemory(from: source, byteCount: count)
    } else if count >= 8 {
        var i = 0
        while i &+ 8 < count {
            destination.storeBytes(of: source.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        destination.storeBytes(of: source.loadUnaligned(fromByteOffset: count &- 8, as: UInt64.self), toByteOffset: count &- 8, as: UInt64.self)
    } else if count >= 4 {
        let head = source.loadUnaligned(as: UInt32.self)
        let tail = source.loadUnaligned(fromByteOffset: count &- 4, as: UInt32.self)
        destination.storeBytes(of: head, as: UInt32.self)
        destination.storeBytes(of: tail, toByteOffset: count &- 4, as: UInt32.self)
    } else if count > 0 {
        // 1–3 bytes: the first, the middle and the last (some the same byte).
        let first = source.load(as: UInt8.self)
        let middle = source.load(fromByteOffset: count >> 1, as: UInt8.self)
        let last = source.load(fromByteOffset: count &- 1, as: UInt8.self)
        destination.storeBytes(of: first, as: UInt8.self)
        destination.storeBytes(of: middle, toByteOffset: count >> 1, as: UInt8.self)
        destination.storeBytes(of: last, toByteOffset: count &- 1, as: UInt8.self)
    }
}
