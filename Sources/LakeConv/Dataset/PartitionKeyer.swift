#if canImport(Glibc)
import Glibc
#endif
import LakeJSON
import LakeParquet

/// Derives each record's partition (its directory path and decoded values) from the parsed
/// record, before the record is added to the column buffers.
struct PartitionKeyer {
    struct Partition {
        /// Escaped relative directory, e.g. `source=web/year=2021/month=03`.
        var path: String
        /// (key, decoded value or nil for the default partition), outermost first.
        var values: [(String, String?)]
    }

    /// What goes wrong with a record's partition value (a bad record).
    struct Failure: Error {
        var reason: String
    }

    let specs: [PartitionSpec]
    let layout: DateLayout
    let timeZone: PartitionTimeZone
    /// Send records without a usable date to `__HIVE_DEFAULT_PARTITION__` instead of rejecting them.
    let defaultPartitionForBadDates: Bool
    private let columnNames: [[UInt8]]
    private let columnTypes: [DataType]
    /// Interned partitions: path → id.
    private(set) var partitions: [Partition] = []
    private var ids: [String: Int32] = [:]
    private var found: [Int]
    /// Compact keys of partitions already seen → id (the fast path of `partition(of:source:)`).
    /// Past `cacheLimit` keys no more are added (misses take the full path).
    private var cache = CompactKeyTable()
    private static let cacheLimit = 1 << 20
    private var keyScratch = KeyScratch()
    /// Each spec as plain values for the per-record key of `partition(captured:)` (reading
    /// `specs` and `columnTypes` there copied enum payloads, with a retain and a release each).
    private let specCodes: [SpecCode]

    private struct SpecCode {
        enum Kind { case category, date, hashInt64, hashString, hashOther }
        var kind: Kind
        /// The capture slot of the spec's column (`capturedColumns`).
        var slot: Int
        var buckets: Int
        /// For a date: the stored value's unit (values per second, -1 for days, 0: parse the text).
        var storedPerSecond: Int64
    }

    /// A compact key being built: bytes appended with no per-append reference counting or
    /// uniqueness check (the array is written once per key, through one pointer).
    struct KeyScratch {
        private var storage = [UInt8](repeating: 0, count: 64)
        private(set) var count = 0

        mutating func removeAll() { count = 0 }

        @inline(__always)
        mutating func append(_ byte: UInt8) {
            reserve(1)
            storage.withUnsafeMutableBufferPointer { $0[count] = byte }
            count += 1
        }

        @inline(__always)
        mutating func append(contentsOf bytes: UnsafeRawBufferPointer) {
            guard bytes.count > 0 else { return }
            reserve(bytes.count)
            storage.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: count).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
            count += bytes.count
        }

        /// Appends `value`'s bytes, least significant first.
        @inline(__always)
        mutating func append<T: FixedWidthInteger>(littleEndian value: T) {
            Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
        }

        private mutating func reserve(_ n: Int) {
            if count + n > storage.count { storage.append(contentsOf: repeatElement(0, count: max(n, storage.count))) }
        }

        func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
            storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }
    /// The distinct partition columns, in spec order: the direct reader's capture slots.
    let capturedColumns: [String]
    /// Scratch for a captured record's shallow tape (the full path of `partition(captured:)`).
    private var shallow = JSONTape()
    private var valueIndex: [Int] = []
    /// Partitioned by one date (the common layout, on mostly time-ordered records): the stored
    /// timestamp's unit (values per second; 0: not a timestamp or date column, -1: a date), and
    /// the last record's hour and partition, reused while the hour stays the same.
    private let singleDateUnit: Int64
    private var lastHour: Int64 = .min
    private var lastHourPartition: Int32 = -1
    /// Partitioned by one category column (the slot of its capture, else -1): the raw JSON text
    /// of up to 16 recent values of at most 16 bytes, and their partitions. The id is a function
    /// of that text alone; most columns partitioned by have a few short values.
    private let singleCategorySlot: Int
    private var recentValues: [RecentValue] = []
    struct RecentValue {
        var length: Int
        var low: UInt64
        var high: UInt64
        var id: Int32
    }

    /// Compact keys → partition id: open addressing over (hash, key range, id) slots, the keys'
    /// bytes in one arena. A lookup hashes the key a word at a time and compares bytes once,
    /// with no allocation and no reference counting (a `Dictionary` of byte arrays spent more
    /// on SipHash and retains than the rest of the keyer). Copied per worker block like the
    /// keyer (its arrays are copy-on-write).
    struct CompactKeyTable {
        struct Slot {
            var hash: UInt64
            var start: Int32
            var length: Int32
            /// -1: empty.
            var id: Int32
        }

        private var slots = [Slot](repeating: Slot(hash: 0, start: 0, length: 0, id: -1), count: 64)
        private var arena: [UInt8] = []
        private(set) var count = 0

        /// A word-at-a-time multiplicative hash (keys are a few to a few dozen bytes).
        static func hash(_ key: UnsafeRawBufferPointer) -> UInt64 {
            var h: UInt64 = 0x243F_6A88_85A3_08D3 ^ UInt64(key.count)
            var i = 0
            while i + 8 <= key.count {
                h = (h ^ key.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 29
                i += 8
            }
            if i < key.count {
                var tail: UInt64 = 0
                withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: key[i...])) }
                h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
            }
            h ^= h >> 32
            return h &* 0xD6E8_FEB8_6659_FD93 ^ (h >> 28)
        }

        func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int32? {
            slots.withUnsafeBufferPointer { slots in
                arena.withUnsafeBytes { arena in
                    let mask = slots.count - 1
                    var at = Int(truncatingIfNeeded: hash) & mask
                    while true {
                        let slot = slots[at]
                        if slot.id < 0 { return nil }
                        if slot.hash == hash && Int(slot.length) == key.count
                            && (key.count == 0 || memcmp(arena.baseAddress! + Int(slot.start), key.baseAddress!, key.count) == 0)
                        {
                            return slot.id
                        }
                        at = (at + 1) & mask
                    }
                }
            }
        }

        /// Adds a key not in the table.
        mutating func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, id: Int32) {
            if (count + 1) * 2 > slots.count { grow() }
            let start = Int32(arena.count)
            arena.append(contentsOf: key)
            place(Slot(hash: hash, start: start, length: Int32(key.count), id: id))
            count += 1
        }

        private mutating func place(_ slot: Slot) {
            let mask = slots.count - 1
            var at = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[at].id >= 0 { at = (at + 1) & mask }
            slots[at] = slot
        }

        private mutating func grow() {
            let old = slots
            slots = [Slot](repeating: Slot(hash: 0, start: 0, length: 0, id: -1), count: old.count * 2)
            for slot in old where slot.id >= 0 { place(slot) }
        }
    }

    /// `[a-z_][a-z0-9_]*`: a key that Hive, Athena and Spark read back as written.
    static func isPlainKey(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")) else { return false }
        return key.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
    }

    init(specs: [PartitionSpec], fields: [Field], layout: DateLayout, timeZone: PartitionTimeZone, defaultPartitionForBadDates: Bool) throws(ConversionError) {
        var seenKeys = Set<String>()
        for key in specs.flatMap({ $0.keys(layout: layout) }) where !seenKeys.insert(key.lowercased()).inserted {
            throw ConversionError(.usage, "--partition-by: the directory key '\(key)' would appear twice (\(specs.map(\.description).joined(separator: ", "))); each level needs its own key")
        }
        if case .single(let key) = layout, !Self.isPlainKey(key) {
            throw ConversionError(.usage, "--date-layout \(key): a directory key must be lower-case letters, digits and '_', not starting with a digit (Athena lower-cases keys; '/', '=' and '.' would change the path)")
        }
        // A date or bucket key named like a column of the data would hide that column: Hive-style
        // readers (DuckDB, Spark, Athena) take a partition key's value from the directory.
        let categoryColumns = Set(specs.compactMap { spec -> String? in if case .category(let c) = spec { c.lowercased() } else { nil } })
        for spec in specs {
            if case .category = spec { continue }
            for key in spec.keys(layout: layout) {
                if let field = fields.first(where: { $0.name.lowercased() == key.lowercased() }), !categoryColumns.contains(field.name.lowercased()) {
                    throw ConversionError(
                        .usage,
                        "--partition-by \(spec): the directory key '\(key)' is also the name of the column '\(field.name)' in the data; readers would return the directory's value for it. \(spec.isHash ? "Rename the column (the bucket key is always 'bucket')" : "Rename the column, or name the date key with --date-layout (e.g. --date-layout dt)")")
                }
            }
        }
        self.specs = specs
        self.layout = layout
        self.timeZone = timeZone
        self.defaultPartitionForBadDates = defaultPartitionForBadDates
        var types: [DataType] = []
        for spec in specs {
            guard let field = fields.first(where: { $0.name == spec.column }) else {
                throw ConversionError(.usage, "--partition-by \(spec): no top-level column '\(spec.column)' in the data")
            }
            switch (spec, field.type) {
            case (_, .struct), (_, .list), (_, .map):
                throw ConversionError(.usage, "--partition-by \(spec): column '\(spec.column)' is nested (\(SchemaText.typeName(field.type))); partition by a leaf column")
            case (.date, .timestamp), (.date, .date), (.date, .string):
                break
            case (.date, _):
                throw ConversionError(.usage, "--partition-by \(spec): column '\(spec.column)' is \(SchemaText.typeName(field.type)), not a timestamp")
            default:
                break
            }
            types.append(field.type)
        }
        columnNames = specs.map { Array($0.column.utf8) }
        columnTypes = types
        found = Array(repeating: -1, count: specs.count)
        var distinct: [String] = []
        for spec in specs where !distinct.contains(spec.column) { distinct.append(spec.column) }
        capturedColumns = distinct
        specCodes = zip(specs, types).map { pair in
            let slot = distinct.firstIndex(of: pair.0.column)!
            switch pair {
            case (.category, _): return SpecCode(kind: .category, slot: slot, buckets: 0, storedPerSecond: 0)
            case (.date, let type):
                let unit: Int64 = switch type {
                case .timestamp(.millis, _): 1_000
                case .timestamp(.micros, _): 1_000_000
                case .timestamp(.nanos, _): 1_000_000_000
                case .date: -1
                default: 0
                }
                return SpecCode(kind: .date, slot: slot, buckets: 0, storedPerSecond: unit)
            case (.hash(_, let buckets), .int64): return SpecCode(kind: .hashInt64, slot: slot, buckets: buckets, storedPerSecond: 0)
            case (.hash(_, let buckets), .string): return SpecCode(kind: .hashString, slot: slot, buckets: buckets, storedPerSecond: 0)
            case (.hash(_, let buckets), _): return SpecCode(kind: .hashOther, slot: slot, buckets: buckets, storedPerSecond: 0)
            }
        }
        singleDateUnit = specCodes.count == 1 && specCodes[0].kind == .date ? specCodes[0].storedPerSecond : 0
        singleCategorySlot = specCodes.count == 1 && specCodes[0].kind == .category ? specCodes[0].slot : -1
    }

    /// Text `source[start ..< start + length]` (`length` <= 16) as two little-endian words,
    /// zero past its end.
    @inline(__always)
    private static func words(_ source: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> (UInt64, UInt64) {
        var low: UInt64 = 0
        var high: UInt64 = 0
        if start + 16 <= source.count {
            low = source.loadUnaligned(fromByteOffset: start, as: UInt64.self)
            high = source.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self)
        } else {
            for k in 0..<length {
                let byte = UInt64(source[start + k])
                if k < 8 { low |= byte << (8 * UInt64(k)) } else { high |= byte << (8 * UInt64(k - 8)) }
            }
        }
        let lowMask: UInt64 = length >= 8 ? ~0 : (1 << (8 * UInt64(length))) &- 1
        let highMask: UInt64 = length >= 16 ? ~0 : length <= 8 ? 0 : (1 << (8 * UInt64(length - 8))) &- 1
        return (UInt64(littleEndian: low) & lowMask, UInt64(littleEndian: high) & highMask)
    }

    /// The partition id of the record the direct reader just read, from its captured members
    /// (`DirectRecordReader.captured`, slots as `capturedColumns`). The same ids and failures as
    /// `partition(of:source:)` on the record's tape; a timestamp or date column's key comes
    /// from the value the reader stored, not from parsing its text again.
    mutating func partition(captured: UnsafePointer<CapturedMember>, source: UnsafeRawBufferPointer) throws(Failure) -> Int32 {
        // One category column: a value seen lately, by its raw text.
        if singleCategorySlot >= 0, case let token = captured[singleCategorySlot].value, token.kind != .key,
            token.kind != .objectStart, token.kind != .arrayStart, case let length = Int(token.end &- token.start), length <= 16
        {
            let (low, high) = Self.words(source, Int(token.start), length)
            for recent in recentValues where recent.length == length && recent.low == low && recent.high == high { return recent.id }
            let id = try keyedPartition(captured: captured, source: source)
            if recentValues.count < 16 { recentValues.append(RecentValue(length: length, low: low, high: high, id: id)) }
            return id
        }
        // One date spec whose value the reader stored: the hour alone decides the partition.
        var hour = Int64.min
        if singleDateUnit != 0, case let member = captured[specCodes[0].slot], member.value.kind == .string, member.stored != nil,
            let local = capturedLocalSeconds(member, storedPerSecond: singleDateUnit, source)
        {
            hour = Self.hourKey(local)
            if hour == lastHour { return lastHourPartition }
        }
        let id = try keyedPartition(captured: captured, source: source)
        if hour != .min {
            lastHour = hour
            lastHourPartition = id
        }
        return id
    }

    private mutating func keyedPartition(captured: UnsafePointer<CapturedMember>, source: UnsafeRawBufferPointer) throws(Failure) -> Int32 {
        keyScratch.removeAll()
        var fast = true
        specs: for code in specCodes {
            let member = captured[code.slot]
            let token = member.value
            keyScratch.append(member.isPresent ? token.kind.rawValue : 0xFF)
            guard member.isPresent else { continue }
            switch code.kind {
            case .category:
                guard token.kind != .objectStart && token.kind != .arrayStart else {
                    fast = false
                    break specs
                }
                let raw = UnsafeRawBufferPointer(rebasing: source[Int(token.start)..<Int(token.end)])
                keyScratch.append(littleEndian: UInt32(raw.count))
                keyScratch.append(contentsOf: raw)
            case .date:
                guard token.kind == .string, let local = capturedLocalSeconds(member, storedPerSecond: code.storedPerSecond, source) else {
                    fast = false
                    break specs
                }
                keyScratch.append(littleEndian: Self.hourKey(local))
            case .hashInt64, .hashString, .hashOther:
                let hash: Int32
                switch (code.kind, token.kind) {
                case (_, .null): hash = Int32(bitPattern: SparkHash.seed)  // as `bucketValue`: null's bucket
                case (.hashInt64, .integer): hash = SparkHash.hash(long: Int64(bitPattern: token.payload))
                case (.hashString, .string):
                    hash = SparkHash.hash(bytes: UnsafeRawBufferPointer(rebasing: source[(Int(token.start) + 1)..<(Int(token.end) - 1)]))
                default:
                    fast = false
                    break specs
                }
                keyScratch.append(littleEndian: Int64(SparkHash.bucket(hash, buckets: code.buckets)))
            }
        }
        guard fast else { return try capturedPartition(captured, source) }
        let (hash, known) = lookUpKey()
        if let known { return known }
        let id = try capturedPartition(captured, source)
        remember(hash: hash, id: id)
        return id
    }

    /// The full path for captured members: their shallow tape, read as the tape path reads one.
    private mutating func capturedPartition(_ captured: UnsafePointer<CapturedMember>, _ source: UnsafeRawBufferPointer) throws(Failure) -> Int32 {
        CapturedMember.shallowTape(captured, count: capturedColumns.count, into: &shallow, valueIndex: &valueIndex)
        for (s, code) in specCodes.enumerated() { found[s] = valueIndex[code.slot] }
        let tape = shallow
        return try slowPartition(tape, source)
    }

    /// The hour (floored) of local seconds since the epoch: a date's key, finer than any grain.
    @inline(__always)
    private static func hourKey(_ local: Int64) -> Int64 {
        local >= 0 ? local / 3600 : (local - 3599) / 3600
    }

    /// `localSeconds` of a captured string: from the stored value of a timestamp or date
    /// column (the instant `TimestampParser` gave the reader), else by parsing the text.
    private func capturedLocalSeconds(_ member: CapturedMember, storedPerSecond: Int64, _ source: UnsafeRawBufferPointer) -> Int64? {
        let offset = Int64(timeZone.offsetSeconds)
        if let stored = member.stored, storedPerSecond != 0 {
            if storedPerSecond < 0 { return stored * 86_400 }
            let seconds = stored >= 0 ? stored / storedPerSecond : (stored - storedPerSecond + 1) / storedPerSecond
            return seconds + offset
        }
        return Self.localSeconds(UnsafeRawBufferPointer(rebasing: source[(Int(member.value.start) + 1)..<(Int(member.value.end) - 1)]), offset: offset)
    }

    /// The partition id of the record on `tape` (a top-level object).
    ///
    /// Most records land in a partition seen before: a compact key (each category value's raw
    /// JSON text, each date's hour, each hash bucket) is looked up first, and only a key not seen
    /// yet (or a value that is a bad record) goes through escaping, path building and interning.
    mutating func partition(of tape: JSONTape, source: UnsafeRawBufferPointer) throws(Failure) -> Int32 {
        for i in found.indices { found[i] = -1 }
        var i = 1
        let end = Int(tape.tokens[0].payload)
        while i < end {
            tape.withText(of: i, source: source) { key in
                for s in columnNames.indices where columnNames[s].count == key.count {
                    let same = key.count == 0 || columnNames[s].withUnsafeBytes { memcmp($0.baseAddress!, key.baseAddress!, key.count) == 0 }
                    if same { found[s] = i + 1 }  // the last duplicate wins, as in the columns
                }
            }
            i = tape.next(after: i + 1)
        }
        guard fastKey(tape, source) else { return try slowPartition(tape, source) }
        let (hash, known) = lookUpKey()
        if let known { return known }
        let id = try slowPartition(tape, source)
        remember(hash: hash, id: id)
        return id
    }

    /// The compact key in `keyScratch`: its hash and the partition cached for it.
    private func lookUpKey() -> (hash: UInt64, id: Int32?) {
        keyScratch.withUnsafeBytes { key in
            let hash = CompactKeyTable.hash(key)
            return (hash, cache.find(key, hash: hash))
        }
    }

    /// Caches `id` for the compact key in `keyScratch` (until the cache is full).
    private mutating func remember(hash: UInt64, id: Int32) {
        if cache.count < Self.cacheLimit { keyScratch.withUnsafeBytes { cache.insert($0, hash: hash, id: id) } }
    }

    /// Builds the compact key of the record's partition into `keyScratch`; false when the record
    /// has a value the fast path does not cover (it then takes the full path, errors included).
    private mutating func fastKey(_ tape: JSONTape, _ source: UnsafeRawBufferPointer) -> Bool {
        keyScratch.removeAll()
        for (s, spec) in specs.enumerated() {
            let index = found[s]
            let kind: UInt8 = index < 0 ? 0xFF : tape.tokens[index].kind.rawValue
            keyScratch.append(kind)
            guard index >= 0 else { continue }
            switch spec {
            case .category:
                let token = tape.tokens[index]
                guard token.kind != .objectStart && token.kind != .arrayStart else { return false }
                let raw = UnsafeRawBufferPointer(rebasing: source[Int(token.start)..<Int(token.end)])
                keyScratch.append(littleEndian: UInt32(raw.count))
                keyScratch.append(contentsOf: raw)
            case .date:
                let offset = Int64(timeZone.offsetSeconds)
                guard tape.tokens[index].kind == .string, let local = tape.withText(of: index, source: source, { Self.localSeconds($0, offset: offset) }) else { return false }
                keyScratch.append(littleEndian: Self.hourKey(local))
            case .hash(let column, let buckets):
                guard let bucket = try? bucketValue(tape, index, source, column, type: columnTypes[s], buckets: buckets) else { return false }
                keyScratch.append(littleEndian: Int64(bucket))
            }
        }
        return true
    }

    private mutating func slowPartition(_ tape: JSONTape, _ source: UnsafeRawBufferPointer) throws(Failure) -> Int32 {
        var segments: [String] = []
        var values: [(String, String?)] = []
        for (s, spec) in specs.enumerated() {
            let index = found[s]
            switch spec {
            case .category(let column):
                let value = try categoryValue(tape, index, source, column, type: columnTypes[s])
                segments.append(HivePath.segment(column: column, value: value))
                values.append((column, value))
            case .hash(let column, let buckets):
                let bucket = try bucketValue(tape, index, source, column, type: columnTypes[s], buckets: buckets)
                let width = max(2, String(buckets - 1).count)
                let text = String(repeating: "0", count: width - String(bucket).count) + String(bucket)
                segments.append(HivePath.segment(column: "bucket", value: text))
                values.append(("bucket", text))
            case .date(let column, let grain):
                for (key, value) in try dateValues(tape, index, source, column, grain: grain) {
                    segments.append(HivePath.segment(column: key, value: value))
                    values.append((key, value))
                }
            }
        }
        for segment in segments where segment.utf8.count > HivePath.maxSegmentBytes {
            throw Failure(reason: "partition directory name of \(segment.utf8.count) bytes is longer than \(HivePath.maxSegmentBytes)")
        }
        let path = segments.joined(separator: "/")
        if let id = ids[path] { return id }
        let id = Int32(partitions.count)
        ids[path] = id
        partitions.append(Partition(path: path, values: values))
        return id
    }

    /// The value of a category partition; nil (the default partition) for null, missing and "".
    /// A UUID column's value is its canonical text (`canonicalUUID`).
    private func categoryValue(_ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, _ column: String, type: DataType) throws(Failure) -> String? {
        guard index >= 0 else { return nil }
        let token = tape.tokens[index]
        switch token.kind {
        case .null: return nil
        case .string:
            if type == .uuid { return try canonicalUUID(tape, index, source, column) }
            let text = tape.withText(of: index, source: source) { String(decoding: $0, as: UTF8.self) }
            if text.isEmpty { return nil }
            // Hive, Spark and Glue read this value as null whatever its directory looks like.
            if text == HivePath.defaultPartition {
                throw Failure(reason: "partition value '\(text)' of '\(column)' is Hive's null marker; catalogs would read it back as null")
            }
            return text
        case .objectStart, .arrayStart: throw Failure(reason: "partition column '\(column)' holds \(token.kind == .objectStart ? "an object" : "an array")")
        // Numbers by value, not as written: `0` and `-0`, or `1`, `1.0` and `1E0`, are one
        // partition (two directories would register the same partition twice).
        case .integer where type == .double: return Self.hiveDouble(Double(Int64(bitPattern: token.payload)))
        case .integer: return String(Int64(bitPattern: token.payload))
        case .double: return Self.hiveDouble(Double(bitPattern: token.payload))
        default: return String(decoding: UnsafeRawBufferPointer(rebasing: source[tape.sourceRange(of: index)]), as: UTF8.self)
        }
    }

    /// A double as Java's `Double.toString` writes it (Hive's and Spark's partition text):
    /// shortest round-trip digits; plain notation from 10^-3 up to 10^7 (`1.0`, `0.25`, `100.0`),
    /// else `d.dddE±n` (`1.0E7`, `1.5E-5`); `-0.0` is `0.0`.
    static func hiveDouble(_ value: Double) -> String {
        let value = value == 0 ? 0.0 : value
        let magnitude = Swift.abs(value)
        if magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e7) {
            // Swift's description is plain in this range and always has a fraction part.
            let text = value.description
            return text.contains(".") || text.contains("e") ? text : text + ".0"
        }
        // Shortest digits and the decimal exponent, from Swift's exponent form.
        func exponentForm(_ fractionDigits: Int32) -> String {
            var buffer = [CChar](repeating: 0, count: 40)
            _ = withVaList([fractionDigits, value]) { vsnprintf(&buffer, buffer.count, "%.*e", $0) }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        var text = exponentForm(16)
        for digits in Int32(0)...16 where Double(exponentForm(digits)) == value {
            text = exponentForm(digits)
            break
        }
        let parts = text.split(separator: "e")
        var mantissa = String(parts[0])
        let exponent = Int(parts[1])!
        if !mantissa.contains(".") { mantissa += ".0" }
        return "\(mantissa)E\(exponent)"
    }

    /// The canonical lower-case text of the UUID string at `index` (category and bucket values
    /// of a UUID column: one partition per UUID, whatever the case it was written in).
    private func canonicalUUID(_ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, _ column: String) throws(Failure) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        let parsed = tape.withText(of: index, source: source) { text in bytes.withUnsafeMutableBytes { UUIDText.parse(text, into: $0.baseAddress!) } }
        guard parsed else {
            let text = tape.withText(of: index, source: source) { String(decoding: $0, as: UTF8.self) }
            throw Failure(reason: "partition column '\(column)' holds '\(text)', not a UUID (8-4-4-4-12 hex)")
        }
        return UUIDText.text(bytes)
    }

    /// Spark's bucket for the value, hashed as the column's type is (long, double, string, …).
    private func bucketValue(_ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, _ column: String, type: DataType, buckets: Int) throws(Failure) -> Int {
        guard index >= 0, tape.tokens[index].kind != .null else { return SparkHash.bucket(Int32(bitPattern: SparkHash.seed), buckets: buckets) }
        let token = tape.tokens[index]
        let hash: Int32
        switch (type, token.kind) {
        case (.int64, .integer): hash = SparkHash.hash(long: Int64(bitPattern: token.payload))
        case (.int8, .integer), (.int16, .integer), (.int32, .integer):
            hash = SparkHash.hash(int: Int32(truncatingIfNeeded: Int64(bitPattern: token.payload)))  // out of range: a bad record anyway
        case (.float, .integer): hash = SparkHash.hash(float: Float(Int64(bitPattern: token.payload)))
        case (.float, .double), (.float, .bigInteger): hash = SparkHash.hash(float: Float(Double(bitPattern: token.payload)))
        case (.decimal(38, 0), .integer), (.decimal(38, 0), .bigInteger):
            guard let value = TapeColumnBuilder.int128(UnsafeRawBufferPointer(rebasing: source[tape.sourceRange(of: index)])) else {
                throw Failure(reason: "partition column '\(column)' is not an integer of at most 38 digits")
            }
            hash = SparkHash.hash(decimalUnscaled: value)
        case (.double, .integer): hash = SparkHash.hash(double: Double(Int64(bitPattern: token.payload)))
        case (.double, _): hash = SparkHash.hash(double: Double(bitPattern: token.payload))
        case (.boolean, _): hash = SparkHash.hash(int: token.kind == .true ? 1 : 0)
        case (.timestamp, .string) where tape.withText(of: index, source: source, TimestampParser.parseTimestamp) != nil:
            let instant = tape.withText(of: index, source: source, TimestampParser.parseTimestamp)!
            hash = SparkHash.hash(long: instant.value(in: .micros))  // Spark timestamps are microseconds
        case (.date, .string) where tape.withText(of: index, source: source, TimestampParser.parseDate) != nil:
            let days = tape.withText(of: index, source: source, TimestampParser.parseDate)!
            hash = SparkHash.hash(int: Int32(truncatingIfNeeded: days))
        case (.uuid, .string):
            // The hash of the canonical text, so every spelling of a UUID lands in one bucket.
            hash = Array(try canonicalUUID(tape, index, source, column).utf8).withUnsafeBytes { SparkHash.hash(bytes: $0) }
        case (_, .string):
            hash = tape.withText(of: index, source: source) { SparkHash.hash(bytes: $0) }
        default:
            // JSON-text columns: the hash of the value's JSON text, as stored.
            hash = SparkHash.hash(bytes: UnsafeRawBufferPointer(rebasing: source[tape.sourceRange(of: index)]))
        }
        return SparkHash.bucket(hash, buckets: buckets)
    }

    private func dateValues(_ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, _ column: String, grain: PartitionSpec.DateGrain) throws(Failure) -> [(String, String?)] {
        let keys = PartitionSpec.date(column: column, grain: grain).keys(layout: layout)
        var seconds: Int64?
        if index >= 0, tape.tokens[index].kind == .string {
            let offset = Int64(timeZone.offsetSeconds)
            seconds = tape.withText(of: index, source: source) { Self.localSeconds($0, offset: offset) }
        }
        guard let local = seconds else {
            if defaultPartitionForBadDates { return keys.map { ($0, nil) } }
            let what = index < 0 || tape.tokens[index].kind == .null ? "is missing" : "is not an ISO-8601 timestamp"
            throw Failure(reason: "partition timestamp '\(column)' \(what)")
        }
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let civil = Self.civil(fromDays: days)
        // Four-digit years only: Hive dates, `yyyy` patterns and the year projection stop at
        // 9999 (a timestamp late on 9999-12-31 is in year 10000 at +14:00).
        guard (0...9999).contains(civil.year) else {
            if defaultPartitionForBadDates { return keys.map { ($0, nil) } }
            throw Failure(reason: "partition timestamp '\(column)' falls in year \(civil.year) on the partition clock (--timezone), outside 0000-9999")
        }
        let hour = Int((local - days * 86_400) / 3600)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        // Four digits at least (year=0001), as the 4-digit integer projection of `year` expects.
        let year = Self.yearText(civil.year)
        switch layout {
        case .nested:
            let parts = [year, two(civil.month), two(civil.day), two(hour)]
            return Array(zip(keys, parts.prefix(keys.count).map { Optional($0) }))
        case .single(let key):
            let text = switch grain {
            case .year: year
            case .month: "\(year)-\(two(civil.month))"
            case .day: "\(year)-\(two(civil.month))-\(two(civil.day))"
            case .hour: "\(year)-\(two(civil.month))-\(two(civil.day))-\(two(hour))"
            }
            return [(key, text)]
        }
    }

    /// Seconds since 1970-01-01 on the partition clock: a timestamp's instant moved into
    /// `--timezone`; a date (`YYYY-MM-DD`, no time of day) is already a calendar day, which no
    /// time zone moves (its midnight).
    /// (Static, given the offset: a method reference would capture the whole keyer per record.)
    private static func localSeconds(_ text: UnsafeRawBufferPointer, offset: Int64) -> Int64? {
        if let instant = TimestampParser.parseTimestamp(text) { return instant.seconds + offset }
        if let days = TimestampParser.parseDate(text) { return days * 86_400 }
        return nil
    }

    /// A year with at least four digits (`0001`, `-0044`, `2021`), as ISO 8601 and Hive's
    /// `yyyy` write it.
    static func yearText(_ year: Int) -> String {
        let digits = String(Swift.abs(year))
        return (year < 0 ? "-" : "") + String(repeating: "0", count: Swift.max(0, 4 - digits.count)) + digits
    }

    /// Civil date of a day count since 1970-01-01 (H. Hinnant's civil_from_days).
    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }
}
