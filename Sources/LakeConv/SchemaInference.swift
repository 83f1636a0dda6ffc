import LakeJSON
import LakeParquet

/// What was seen at one key path, over every record: the lattice's evidence.
public final class InferredField {
    public let name: String
    let nameBytes: [UInt8]
    public private(set) var nulls = 0
    public private(set) var booleans = 0
    public private(set) var integers = 0
    public private(set) var bigIntegers = 0
    public private(set) var doubles = 0
    public private(set) var strings = 0
    public private(set) var timestampStrings = 0
    public private(set) var dateStrings = 0
    public private(set) var maxFractionDigits = 0
    public private(set) var objects = 0
    public private(set) var arrays = 0
    /// Object keys in order of first appearance.
    public private(set) var children: [InferredField] = []
    /// Array elements, merged.
    public private(set) var element: InferredField?
    /// Up to `sampleLimit` distinct values (raw JSON text) and whether there were more.
    public private(set) var distinct: [String] = []
    public private(set) var distinctOverflow = false
    static let sampleLimit = 20

    private var childIndex: [[UInt8]: Int] = [:]
    private var predicted = 0

    init(name: [UInt8]) {
        nameBytes = name
        self.name = String(decoding: name, as: UTF8.self)
    }

    /// Values present (not null, not missing).
    public var nonNull: Int { booleans + integers + bigIntegers + doubles + strings + objects + arrays }

    /// Observes the value at `index`; returns the index after it.
    func observe(_ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer) -> Int {
        let token = tape.tokens[index]
        switch token.kind {
        case .null: nulls += 1
        case .true, .false: booleans += 1
        case .integer: integers += 1
        case .bigInteger: bigIntegers += 1
        case .double: doubles += 1
        case .string, .key:
            strings += 1
            tape.withText(of: index, source: source) { text in
                if let instant = TimestampParser.parseTimestamp(text) {
                    timestampStrings += 1
                    maxFractionDigits = max(maxFractionDigits, instant.fractionDigits)
                } else if TimestampParser.parseDate(text) != nil {
                    dateStrings += 1
                }
            }
        case .objectStart:
            objects += 1
            predicted = 0
            var i = index + 1
            let end = Int(token.payload)
            while i < end {
                let child = tape.withText(of: i, source: source) { self.child(named: $0) }
                i = child.observe(tape, i + 1, source)
            }
            return end + 1
        case .arrayStart:
            arrays += 1
            let element = self.element ?? InferredField(name: Array("element".utf8))
            self.element = element
            var i = index + 1
            let end = Int(token.payload)
            while i < end { i = element.observe(tape, i, source) }
            return end + 1
        case .objectEnd, .arrayEnd:
            preconditionFailure("a value cannot start with a closing token")
        }
        if !distinctOverflow, token.kind != .null {
            let range = tape.sourceRange(of: index)
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: source[range]), as: UTF8.self)
            if !distinct.contains(text) {
                if distinct.count < Self.sampleLimit { distinct.append(text) } else { distinctOverflow = true }
            }
        }
        return index + 1
    }

    /// The child for a key, found by predicting the next key in order (NDJSON keys usually keep
    /// their order), else by hash lookup, else created.
    private func child(named key: UnsafeRawBufferPointer) -> InferredField {
        if predicted < children.count, children[predicted].nameBytes.elementsEqual(key) {
            let found = children[predicted]
            predicted += 1
            return found
        }
        let bytes = Array(key)
        if let index = childIndex[bytes] {
            predicted = index + 1
            return children[index]
        }
        let created = InferredField(name: bytes)
        childIndex[bytes] = children.count
        children.append(created)
        predicted = children.count
        return created
    }

}

/// Options that steer how evidence becomes column types.
public struct InferenceOptions: Sendable {
    public var timestampUnit: TimestampParser.TimeUnitChoice = .millis
    public init() {}
}

/// The conversion schema: Parquet fields plus how each leaf is filled from JSON, and notes for the user.
public struct ResolvedSchema: Sendable {
    public var fields: [Field]
    /// Human-readable decisions worth reporting (conflicts, widening, all-null columns).
    public var notes: [String]
}

extension InferredField {
    /// Resolves the top-level object's evidence into a schema.
    public func resolveRoot(_ options: InferenceOptions) throws(ConversionError) -> ResolvedSchema {
        var notes: [String] = []
        guard !children.isEmpty else {
            throw ConversionError(.schema, "no record has any key: there is no column to write")
        }
        try Self.checkNames(children, path: "")
        var fields: [Field] = []
        for child in children { fields.append(try child.resolve(path: child.name, options: options, notes: &notes)) }
        return ResolvedSchema(fields: fields, notes: notes)
    }

    static func checkNames(_ fields: [InferredField], path: String) throws(ConversionError) {
        var seen: [String: String] = [:]
        for field in fields {
            guard !field.name.isEmpty else {
                throw ConversionError(.schema, "an empty key cannot be a column name", columnPath: path.isEmpty ? nil : path)
            }
            let folded = field.name.lowercased()
            if let other = seen[folded] {
                throw ConversionError(
                    .schema,
                    "keys '\(other)' and '\(field.name)' differ only in case; Athena and Glue lower-case column names, so they would collide",
                    columnPath: path.isEmpty ? nil : path)
            }
            seen[folded] = field.name
        }
    }

    func resolve(path: String, options: InferenceOptions, notes: inout [String]) throws(ConversionError) -> Field {
        Field(name, try resolveType(path: path, options: options, notes: &notes))
    }

    private func resolveType(path: String, options: InferenceOptions, notes: inout [String]) throws(ConversionError) -> DataType {
        let numbers = integers + bigIntegers + doubles
        var kinds: [String] = []
        if booleans > 0 { kinds.append("boolean") }
        if numbers > 0 { kinds.append("number") }
        if strings > 0 { kinds.append("string") }
        if objects > 0 { kinds.append("object") }
        if arrays > 0 { kinds.append("array") }
        if kinds.isEmpty {
            notes.append("\(path): always null or missing; written as an all-null string column")
            return .string
        }
        if kinds.count > 1 {
            notes.append("\(path): mixes \(kinds.joined(separator: ", ")); written as JSON text")
            return .json
        }
        if booleans > 0 { return .boolean }
        if numbers > 0 {
            if bigIntegers > 0 {
                notes.append("\(path): \(bigIntegers) integer(s) beyond int64; column widened to double")
                return .double
            }
            if doubles > 0 {
                if integers > 0 { notes.append("\(path): integers and decimals; widened to double") }
                return .double
            }
            return .int64
        }
        if strings > 0 {
            if timestampStrings == strings {
                if maxFractionDigits > 6 {
                    notes.append("\(path): timestamps with more than 6 fractional digits kept as strings")
                    return .string
                }
                if maxFractionDigits > 3 && options.timestampUnit == .millis {
                    notes.append("\(path): timestamps with sub-millisecond digits; written in microseconds")
                    return .timestamp(.micros, isAdjustedToUTC: true)
                }
                return .timestamp(options.timestampUnit == .millis ? .millis : .micros, isAdjustedToUTC: true)
            }
            if dateStrings == strings { return .date }
            return .string
        }
        if objects > 0 {
            guard !children.isEmpty else {
                notes.append("\(path): only empty objects; written as JSON text")
                return .json
            }
            try Self.checkNames(children, path: path)
            var fields: [Field] = []
            for child in children {
                fields.append(try child.resolve(path: path + "." + child.name, options: options, notes: &notes))
            }
            return .struct(fields)
        }
        guard let element, element.nonNull > 0 else {
            return .list(of: .string)
        }
        return .list(Field("element", try element.resolveType(path: path + "[]", options: options, notes: &notes)))
    }
}
