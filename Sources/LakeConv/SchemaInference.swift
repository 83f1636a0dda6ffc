#if canImport(Glibc)
import Glibc
#endif
import LakeJSON
import LakeParquet

/// The evidence of pass 1: what was seen at every key path over every record.
///
/// A flat tree (nodes in one array, children by index): the hot loop touches only value-type
/// counters, so there is no reference counting and no dynamic exclusivity check per value.
/// Keys are matched by predicting the next key in order (NDJSON keys usually keep their order)
/// with a byte compare, then by hash lookup.
public struct SchemaEvidence: Sendable {
    struct Node: Sendable {
        var nulls = 0, booleans = 0, integers = 0, bigIntegers = 0, doubles = 0, strings = 0
        var timestampStrings = 0, dateStrings = 0, uuidStrings = 0, maxFractionDigits = 0, objects = 0, arrays = 0
        /// Longest integer literal beyond int64, in digits.
        var maxBigIntegerDigits = 0
        var children: [Int32] = []
        var element: Int32 = -1
        var predicted = 0
        var distinctOverflow = false
        /// Where the key was first seen (when the caller gave locations).
        var firstSeen: Location?
        var nonNull: Int { booleans + integers + bigIntegers + doubles + strings + objects + arrays }
        /// The JSON kinds seen (numbers count as one kind), in a fixed order.
        var kindsSeen: [String] {
            [("boolean", booleans), ("number", integers + bigIntegers + doubles), ("string", strings), ("object", objects), ("array", arrays)]
                .filter { $0.1 > 0 }.map(\.0)
        }
    }

    var nodes: [Node] = [Node()]
    var names: [[UInt8]] = [[]]
    var lookups: [[[UInt8]: Int32]] = [[:]]
    /// Up to `sampleLimit` distinct raw values per node, for `infer-schema`.
    var distinct: [[[UInt8]]] = [[]]
    static let sampleLimit = 20
    /// Records observed.
    public private(set) var records = 0
    /// Keep up to 20 distinct example values per key path (for `infer-schema`; conversion skips it).
    public let collectsExamples: Bool

    public init(collectsExamples: Bool = true) {
        self.collectsExamples = collectsExamples
    }

    /// A record's place: the input's index (as the caller numbers its inputs) and line.
    public struct Location: Sendable, Comparable {
        public var input: Int
        public var line: Int

        public init(input: Int, line: Int) {
            self.input = input
            self.line = line
        }

        public static func < (a: Location, b: Location) -> Bool { (a.input, a.line) < (b.input, b.line) }
    }

    /// The record being observed, for the keys it adds.
    private var observing: Location?

    /// Observes one record (a tape whose first token is an object).
    /// `at`: where the record is, kept for the keys first seen in it (errors about a key name it).
    public mutating func observe(_ tape: JSONTape, source: UnsafeRawBufferPointer, at location: Location? = nil) {
        observing = location
        records += 1
        _ = observe(0, tape, 0, source)
    }

    private mutating func observe(_ node: Int, _ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer) -> Int {
        let token = tape.tokens[index]
        switch token.kind {
        case .null: nodes[node].nulls += 1
        case .true, .false: nodes[node].booleans += 1
        case .integer: nodes[node].integers += 1
        case .bigInteger:
            nodes[node].bigIntegers += 1
            let range = tape.sourceRange(of: index)
            let digits = range.count - (source[range.lowerBound] == UInt8(ascii: "-") ? 1 : 0)
            if digits > nodes[node].maxBigIntegerDigits { nodes[node].maxBigIntegerDigits = digits }
        case .double: nodes[node].doubles += 1
        case .string, .key:
            nodes[node].strings += 1
            tape.withText(of: index, source: source) { text in
                if let instant = TimestampParser.parseTimestamp(text) {
                    nodes[node].timestampStrings += 1
                    if instant.fractionDigits > nodes[node].maxFractionDigits { nodes[node].maxFractionDigits = instant.fractionDigits }
                } else if TimestampParser.parseDate(text) != nil {
                    nodes[node].dateStrings += 1
                } else if text.count == UUIDText.textLength && UUIDText.isUUID(text) {
                    nodes[node].uuidStrings += 1
                }
            }
        case .objectStart:
            nodes[node].objects += 1
            nodes[node].predicted = 0
            var i = index + 1
            let end = Int(token.payload)
            while i < end {
                let child = tape.withText(of: i, source: source) { childNode(of: node, named: $0) }
                i = observe(child, tape, i + 1, source)
            }
            return end + 1
        case .arrayStart:
            nodes[node].arrays += 1
            var element = Int(nodes[node].element)
            if element < 0 {
                element = addNode(name: Array("element".utf8))
                nodes[node].element = Int32(element)
            }
            var i = index + 1
            let end = Int(token.payload)
            while i < end { i = observe(element, tape, i, source) }
            return end + 1
        case .objectEnd, .arrayEnd:
            preconditionFailure("a value cannot start with a closing token")
        }
        if collectsExamples && !nodes[node].distinctOverflow && token.kind != .null { noteDistinct(node, tape.sourceRange(of: index), source) }
        return index + 1
    }

    private mutating func noteDistinct(_ node: Int, _ range: Range<Int>, _ source: UnsafeRawBufferPointer) {
        let value = UnsafeRawBufferPointer(rebasing: source[range])
        for seen in distinct[node] where seen.count == value.count {
            if seen.withUnsafeBytes({ bytesEqual($0, value) }) { return }
        }
        if distinct[node].count < Self.sampleLimit {
            distinct[node].append(Array(value))
        } else {
            nodes[node].distinctOverflow = true
        }
    }

    private mutating func addNode(name: [UInt8]) -> Int {
        var node = Node()
        node.firstSeen = observing
        nodes.append(node)
        names.append(name)
        lookups.append([:])
        distinct.append([])
        return nodes.count - 1
    }

    @inline(__always)
    private mutating func childNode(of parent: Int, named key: UnsafeRawBufferPointer) -> Int {
        let predicted = nodes[parent].predicted
        if predicted < nodes[parent].children.count {
            let candidate = Int(nodes[parent].children[predicted])
            let matches = names[candidate].withUnsafeBytes { bytesEqual($0, key) }
            if matches {
                nodes[parent].predicted = predicted + 1
                return candidate
            }
        }
        let bytes = Array(key)
        if let position = lookups[parent][bytes] {
            nodes[parent].predicted = Int(position) + 1
            return Int(nodes[parent].children[Int(position)])
        }
        let child = addNode(name: bytes)
        lookups[parent][bytes] = Int32(nodes[parent].children.count)
        nodes[parent].children.append(Int32(child))
        nodes[parent].predicted = nodes[parent].children.count
        return child
    }

    // MARK: Merging

    /// Adds the evidence of records that came after these (keys keep their first-appearance order).
    public mutating func merge(_ other: SchemaEvidence) {
        observing = nil  // merged keys keep the other's locations
        records += other.records
        merge(node: 0, from: other, node: 0)
    }

    private mutating func merge(node mine: Int, from other: SchemaEvidence, node theirs: Int) {
        let o = other.nodes[theirs]
        nodes[mine].nulls += o.nulls
        nodes[mine].booleans += o.booleans
        nodes[mine].integers += o.integers
        nodes[mine].bigIntegers += o.bigIntegers
        nodes[mine].doubles += o.doubles
        nodes[mine].strings += o.strings
        nodes[mine].timestampStrings += o.timestampStrings
        nodes[mine].dateStrings += o.dateStrings
        nodes[mine].uuidStrings += o.uuidStrings
        nodes[mine].maxFractionDigits = max(nodes[mine].maxFractionDigits, o.maxFractionDigits)
        nodes[mine].maxBigIntegerDigits = max(nodes[mine].maxBigIntegerDigits, o.maxBigIntegerDigits)
        nodes[mine].objects += o.objects
        nodes[mine].arrays += o.arrays
        if let seen = o.firstSeen, nodes[mine].firstSeen.map({ seen < $0 }) ?? true { nodes[mine].firstSeen = seen }
        if !nodes[mine].distinctOverflow {
            if o.distinctOverflow { nodes[mine].distinctOverflow = true }
            for value in other.distinct[theirs] where !distinct[mine].contains(value) {
                if distinct[mine].count < Self.sampleLimit { distinct[mine].append(value) } else { nodes[mine].distinctOverflow = true }
            }
        }
        for c in o.children {
            let name = other.names[Int(c)]
            let child: Int
            if let position = lookups[mine][name] {
                child = Int(nodes[mine].children[Int(position)])
            } else {
                child = addNode(name: name)
                lookups[mine][name] = Int32(nodes[mine].children.count)
                nodes[mine].children.append(Int32(child))
            }
            merge(node: child, from: other, node: Int(c))
        }
        if o.element >= 0 {
            if nodes[mine].element < 0 { nodes[mine].element = Int32(addNode(name: Array("element".utf8))) }
            merge(node: Int(nodes[mine].element), from: other, node: Int(o.element))
        }
    }

    // MARK: Reading the evidence

    /// A read-only view of one key path's evidence.
    public struct FieldView {
        public let name: String
        public let nonNull: Int
        public let examples: [String]
        /// Distinct values, when there were at most 20.
        public let distinctCount: Int?
    }

    /// The top-level keys in order of first appearance.
    public var topLevelFields: [FieldView] {
        nodes[0].children.map { c in
            let i = Int(c)
            return FieldView(
                name: String(decoding: names[i], as: UTF8.self), nonNull: nodes[i].nonNull,
                examples: distinct[i].prefix(3).map { String(decoding: $0, as: UTF8.self) },
                distinctCount: nodes[i].distinctOverflow ? nil : distinct[i].count)
        }
    }
}

/// Options that steer how evidence becomes column types.
public struct InferenceOptions: Sendable {
    public var timestampUnit: TimestampParser.TimeUnitChoice = .millis
    /// What a column holding integers beyond int64 becomes (never wrapped).
    public var bigIntegers: BigIntegerPolicy = .double
    /// `--infer-uuid`: a string column whose every value is canonical UUID text becomes `uuid`
    /// (FIXED_LEN_BYTE_ARRAY(16) + UUID, 16 bytes a value instead of 36 + 4), as DuckDB infers.
    /// Off by default: Athena, Glue tables and Spark cannot read the UUID type.
    public var detectsUUIDs = false
    public init() {}
}

/// `--big-integers`: the type of an integer column that has values beyond int64.
public enum BigIntegerPolicy: String, Sendable, CaseIterable {
    /// DOUBLE (the nearest double of each value; reported).
    case double
    /// DECIMAL(38,0): exact up to 38 digits; a longer integer is a bad record.
    case decimal
    /// STRING holding each integer's exact digits.
    case string
}

/// The conversion schema: Parquet fields, and notes for the user about the decisions taken.
public struct ResolvedSchema: Sendable {
    public var fields: [Field]
    /// Human-readable decisions worth reporting (conflicts, widening, all-null columns).
    public var notes: [String]
}

extension SchemaEvidence {
    /// Resolves the evidence into a schema: the type lattice, applied at every key path.
    /// Whether more records can only confirm the resolved schema or be refused by an exact-kinds
    /// builder, never change it silently: every key path has one kind of value, every object a key,
    /// every list an element, and no string column holds integer digits. Then a single pass with
    /// this schema either fits every record or finds the one that needs a second inference pass.
    public func isStableForSpeculation(_ options: InferenceOptions) -> Bool {
        isStable(0, options)
    }

    private func isStable(_ node: Int, _ options: InferenceOptions) -> Bool {
        let n = nodes[node]
        if node == 0 { return n.children.allSatisfy { isStable(Int($0), options) } }
        guard n.kindsSeen.count == 1 else { return false }  // all null (a guessed string) or mixed (JSON text)
        if n.bigIntegers > 0 && n.doubles == 0 {
            // decimal(38,0) is exact (the builder refuses longer digits); digits as strings are not.
            return options.bigIntegers == .double || (options.bigIntegers == .decimal && n.maxBigIntegerDigits <= 38)
        }
        // A later integer beyond int64 would turn a double column into JSON text under an exact
        // --big-integers, and a double column takes it without a misfit: infer from every record.
        if n.doubles > 0 && options.bigIntegers != .double { return false }
        if n.objects > 0 { return !n.children.isEmpty && n.children.allSatisfy { isStable(Int($0), options) } }
        if n.arrays > 0 { return n.element >= 0 && nodes[Int(n.element)].nonNull > 0 && isStable(Int(n.element), options) }
        return true
    }

    /// `inputNames`: the inputs' names by the index their locations carry (`observe(_:source:at:)`),
    /// for errors about a key.
    public func resolve(_ options: InferenceOptions, inputNames: [String] = []) throws(ConversionError) -> ResolvedSchema {
        var notes: [String] = []
        if nodes[0].children.isEmpty && records > 0 {
            notes.append("no record has any key: the rows are written without columns")
        }
        let fields = try resolveChildren(of: 0, path: "", options: options, notes: &notes, inputNames: inputNames)
        return ResolvedSchema(fields: fields, notes: notes)
    }

    private func resolveChildren(of node: Int, path: String, options: InferenceOptions, notes: inout [String], inputNames: [String]) throws(ConversionError) -> [Field] {
        var seen: [String: (name: String, node: Int)] = [:]
        var fields: [Field] = []
        for c in nodes[node].children {
            let child = Int(c)
            let name = String(decoding: names[child], as: UTF8.self)
            if name.isEmpty {
                notes.append("\(path.isEmpty ? "" : path + ": ")an empty key is a column named ''; Athena and Glue cannot query it")
            }
            let folded = name.lowercased()
            if let other = seen[folded] {
                // Named where each was first seen; the error points at the later one.
                func place(_ node: Int) -> (file: String, line: Int)? {
                    guard let at = nodes[node].firstSeen, at.input >= 0, at.input < inputNames.count else { return nil }
                    return (inputNames[at.input], at.line)
                }
                let first = place(other.node)
                let second = place(child)
                let later = (nodes[other.node].firstSeen ?? nodes[child].firstSeen).flatMap { a in nodes[child].firstSeen.map { b in max(a, b) } }
                let laterPlace = later.flatMap { at in at == nodes[child].firstSeen ? second : first }
                func seenAt(_ place: (file: String, line: Int)?) -> String { place.map { " (first at \($0.file) line \($0.line))" } ?? "" }
                throw ConversionError(
                    .schema,
                    "keys '\(other.name)'\(seenAt(first)) and '\(name)'\(seenAt(second)) differ only in case; Athena and Glue lower-case column names, so they would collide",
                    file: laterPlace?.file, line: laterPlace?.line, columnPath: path.isEmpty ? nil : path)
            }
            seen[folded] = (name, child)
            let childPath = path.isEmpty ? name : path + "." + name
            fields.append(Field(name, try resolveType(child, path: childPath, options: options, notes: &notes, inputNames: inputNames)))
        }
        return fields
    }

    private func resolveType(_ node: Int, path: String, options: InferenceOptions, notes: inout [String], inputNames: [String]) throws(ConversionError) -> DataType {
        let n = nodes[node]
        let numbers = n.integers + n.bigIntegers + n.doubles
        let kinds = n.kindsSeen
        if kinds.isEmpty {
            notes.append("\(path): always null or missing; written as an all-null string column")
            return .string
        }
        if kinds.count > 1 {
            notes.append("\(path): mixes \(kinds.joined(separator: ", ")); written as JSON text")
            return .json
        }
        if n.booleans > 0 { return .boolean }
        if numbers > 0 {
            if n.bigIntegers > 0 {
                switch options.bigIntegers {
                case .decimal where n.doubles == 0 && n.maxBigIntegerDigits > 38:
                    notes.append("\(path): integers of up to \(n.maxBigIntegerDigits) digits exceed decimal(38,0); the column holds the digits as strings")
                    return .string
                case .decimal where n.doubles == 0:
                    notes.append("\(path): \(n.bigIntegers) integer(s) beyond int64; column is decimal(38,0)")
                    return .decimal(precision: 38, scale: 0)
                case .string where n.doubles == 0:
                    notes.append("\(path): \(n.bigIntegers) integer(s) beyond int64; column holds the digits as strings")
                    return .string
                case .string, .decimal:
                    // Decimals beside them: neither decimal(38,0) nor digit strings hold both;
                    // the numbers' JSON text does, exactly, as the option asks.
                    notes.append("\(path): \(n.bigIntegers) integer(s) beyond int64 and decimals; written as JSON text (exact, as --big-integers \(options.bigIntegers.rawValue) asks)")
                    return .json
                default:
                    notes.append("\(path): \(n.bigIntegers) integer(s) beyond int64; column widened to double")
                    return .double
                }
            }
            if n.doubles > 0 {
                if n.integers > 0 { notes.append("\(path): integers and decimals; widened to double") }
                return .double
            }
            return .int64
        }
        if n.strings > 0 {
            if n.timestampStrings == n.strings {
                if n.maxFractionDigits > 6 {
                    notes.append("\(path): timestamps with more than 6 fractional digits kept as strings")
                    return .string
                }
                if n.maxFractionDigits > 3 && options.timestampUnit == .millis {
                    notes.append("\(path): timestamps with sub-millisecond digits; written in microseconds")
                    return .timestamp(.micros, isAdjustedToUTC: true)
                }
                return .timestamp(options.timestampUnit == .millis ? .millis : .micros, isAdjustedToUTC: true)
            }
            if n.dateStrings == n.strings { return .date }
            if options.detectsUUIDs && n.uuidStrings == n.strings { return .uuid }
            return .string
        }
        if n.objects > 0 {
            guard !n.children.isEmpty else {
                notes.append("\(path): only empty objects; written as JSON text")
                return .json
            }
            return .struct(try resolveChildren(of: node, path: path, options: options, notes: &notes, inputNames: inputNames))
        }
        guard n.element >= 0, nodes[Int(n.element)].nonNull > 0 else { return .list(of: .string) }
        return .list(Field("element", try resolveType(Int(n.element), path: path + "[]", options: options, notes: &notes, inputNames: inputNames)))
    }
}
