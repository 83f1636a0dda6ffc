#if canImport(Glibc)
import Glibc
#endif
import LakeJSON
import LakeParquet

/// How a leaf column is filled from a JSON value.
enum LeafConversion: Sendable {
    case boolean, int64, double, string, json, date
    /// INT32 columns (`tinyint`, `smallint`, `int` in `--schema`): integers within the range;
    /// any other is a bad record, never wrapped.
    case narrowInteger(min: Int64, max: Int64, typeName: StaticString)
    /// FLOAT (`float` in `--schema`): any number, rounded to the nearest float; one beyond the
    /// float range is a bad record.
    case float
    /// UUID (FIXED_LEN_BYTE_ARRAY(16)) from canonical 8-4-4-4-12 text.
    case uuid
    /// DECIMAL(38,0) from integer literals (a 16-byte big-endian two's complement value).
    case decimal38
    case timestamp(TimestampParser.TimeUnitChoice)
}

/// The schema as a flat tree of fill instructions (simdjson On-Demand style: the walk is directed
/// by the expected type). Hot data (`nodes`) holds no references, so walking it costs no
/// reference counting; names live in one byte arena and are matched with memcmp.
struct ColumnPlan: Sendable {
    enum Kind: Sendable {
        case leaf(column: Int, conversion: LeafConversion)
        case object(childStart: Int, childCount: Int)
        case list(element: Int, repetitionLevel: Int16)
        /// A top-level key that is known but not stored (a partition column kept only in the path);
        /// its type is `ignoredTypes[type]` (an exact-kinds builder still checks its values fit).
        /// An index, not the type itself: `Kind` stays trivially copyable, so reading a node costs
        /// no reference counting.
        case ignored(type: Int)
    }

    struct Node: Sendable {
        var kind: Kind
        /// Leaf columns under this node: `firstLeaf ..< endLeaf`.
        var firstLeaf: Int
        var endLeaf: Int
        var nameStart: Int
        var nameLength: Int
    }

    var nodes: [Node] = []
    /// Children of object nodes, flattened; `object(childStart:childCount:)` indexes it.
    var children: [Int] = []
    var nameArena: [UInt8] = []
    /// Cold data: dotted paths for messages, and key → child position for out-of-order keys.
    var paths: [String] = []
    var lookups: [[[UInt8]: Int]] = []
    var ignoredTypes: [DataType] = []

    /// The plan for records with top-level `fields`, in the order records write them; those
    /// named in `pathOnly` are checked but not stored (leaves number the stored columns only).
    init(_ fields: [Field], pathOnly: Set<String> = []) {
        var leaf = 0
        _ = add(name: [], path: "", kind: .object(childStart: 0, childCount: 0), firstLeaf: 0)
        let childNodes = fields.map { field in
            guard pathOnly.contains(field.name) else { return make(field, path: field.name, repetition: 0, leaf: &leaf) }
            ignoredTypes.append(field.type)
            return add(name: Array(field.name.utf8), path: field.name, kind: .ignored(type: ignoredTypes.count - 1), firstLeaf: leaf)
        }
        finishObject(0, childNodes, endLeaf: leaf)
    }

    private mutating func add(name: [UInt8], path: String, kind: Kind, firstLeaf: Int) -> Int {
        nodes.append(Node(kind: kind, firstLeaf: firstLeaf, endLeaf: firstLeaf, nameStart: nameArena.count, nameLength: name.count))
        nameArena.append(contentsOf: name)
        paths.append(path)
        lookups.append([:])
        return nodes.count - 1
    }

    private mutating func finishObject(_ node: Int, _ childNodes: [Int], endLeaf: Int) {
        nodes[node].kind = .object(childStart: children.count, childCount: childNodes.count)
        nodes[node].endLeaf = endLeaf
        for (position, child) in childNodes.enumerated() {
            let n = nodes[child]
            lookups[node][Array(nameArena[n.nameStart..<(n.nameStart + n.nameLength)])] = position
        }
        children.append(contentsOf: childNodes)
    }

    private mutating func make(_ field: Field, path: String, repetition: Int16, leaf: inout Int) -> Int {
        let node = add(name: Array(field.name.utf8), path: path, kind: .object(childStart: 0, childCount: 0), firstLeaf: leaf)
        switch field.type {
        case .struct(let fields):
            let childNodes = fields.map { make($0, path: path + "." + $0.name, repetition: repetition, leaf: &leaf) }
            finishObject(node, childNodes, endLeaf: leaf)
        case .list(let element):
            let elementNode = make(element, path: path + "[]", repetition: repetition + 1, leaf: &leaf)
            nodes[node].kind = .list(element: elementNode, repetitionLevel: repetition + 1)
            nodes[node].endLeaf = leaf
        default:
            let conversion: LeafConversion = switch field.type {
            case .boolean: .boolean
            case .int64: .int64
            case .double: .double
            case .json: .json
            case .date: .date
            case .uuid: .uuid
            case .timestamp(let unit, _): .timestamp(unit == .millis ? .millis : .micros)
            case .decimal(38, 0): .decimal38
            case .int8: .narrowInteger(min: Int64(Int8.min), max: Int64(Int8.max), typeName: "tinyint")
            case .int16: .narrowInteger(min: Int64(Int16.min), max: Int64(Int16.max), typeName: "smallint")
            case .int32: .narrowInteger(min: Int64(Int32.min), max: Int64(Int32.max), typeName: "int")
            case .float: .float
            default: .string  // `Converter.checkSupported` refuses the types that are not strings here
            }
            nodes[node].kind = .leaf(column: leaf, conversion: conversion)
            leaf += 1
            nodes[node].endLeaf = leaf
        }
        return node
    }
}

/// Turns parsed records into column buffers, directed by the plan.
///
/// With `rollback` (a schema that was given or sampled, so a record may not fit), each record is
/// appended with a rollback point and a misfit is undone and reported, never half-written. With a
/// schema inferred from every record a misfit cannot happen; one would be an internal error.
package struct TapeColumnBuilder {
    let schema: Schema
    let plan: ColumnPlan
    let rollback: Bool
    /// Accept only values whose kind leaves the inferred column type unchanged (a speculative
    /// schema): a string column then takes strings only, not integer digits.
    let exactKinds: Bool
    /// Values, levels and key slots, appended to without copy-on-write checks.
    private let storage: LeafColumns
    /// Rows appended since the last `takeBatch`.
    private(set) var rows = 0
    /// Duplicate keys seen (the last value won).
    var duplicateKeys = 0
    /// Per object node: where its children's slots start in `storage.slots`.
    private var slotStart: [Int]
    private var marks: [LeafColumns.Leaf.Mark] = []

    package init(schema: Schema, rollback: Bool, exactKinds: Bool = false) {
        self.init(schema: schema, plan: ColumnPlan(schema.fields), rollback: rollback, exactKinds: exactKinds)
    }

    /// A builder over a plan built once and shared by every worker; `storage` from a pool of
    /// earlier builders over the same plan.
    init(schema: Schema, plan: ColumnPlan, rollback: Bool, exactKinds: Bool = false, storage reused: LeafColumns? = nil) {
        self.schema = schema
        self.rollback = rollback
        self.exactKinds = exactKinds
        self.plan = plan
        var starts: [Int] = []
        var total = 0
        for node in plan.nodes {
            starts.append(total)
            if case .object(_, let count) = node.kind { total += count }
        }
        slotStart = starts
        storage = reused ?? LeafColumns(schema.columns, slotCount: total)
    }

    /// The buffers, for a pool to hand to the next builder once the rows were taken.
    var reusableStorage: LeafColumns { storage }

    /// A record that does not fit the schema.
    package struct Mismatch: Error {
        package var reason: String
    }

    /// Appends one record (the tape of a top-level object).
    package mutating func append(_ tape: JSONTape, source: UnsafeRawBufferPointer) throws(Mismatch) {
        guard rollback else {
            try appendObject(0, tape, 0, source, r: 0, d: 0)
            rows += 1
            return
        }
        let columns = schema.columns.count
        marks.removeAll(keepingCapacity: true)
        for i in 0..<columns { marks.append(storage.leaves[i].mark) }
        let duplicatesBefore = duplicateKeys
        do {
            try appendObject(0, tape, 0, source, r: 0, d: 0)
            rows += 1
        } catch {
            for i in 0..<columns { storage.leaves[i].truncate(to: marks[i]) }
            duplicateKeys = duplicatesBefore
            throw error
        }
    }

    /// Appends one record read by `reader` straight from its text (the fast path), or returns
    /// false, appending nothing, when the reader declines it (then `append` it from a tape).
    package mutating func appendDirect(_ source: UnsafeRawBufferPointer, _ reader: inout DirectRecordReader) -> Bool {
        guard reader.read(source, into: storage) else { return false }
        rows += 1
        return true
    }

    /// Undoes the record `appendDirect` just appended.
    mutating func undoDirect(_ reader: DirectRecordReader) {
        reader.rollBack(storage)
        rows -= 1
    }

    @inline(__always)
    private func nameMatches(_ node: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let n = plan.nodes[node]
        guard n.nameLength == key.count else { return false }
        return plan.nameArena.withUnsafeBytes { bytesEqual(UnsafeRawBufferPointer(rebasing: $0[n.nameStart..<(n.nameStart + n.nameLength)]), key) }
    }

    /// Fills the children of object node `node` from the object at `index` (levels below `d`).
    private mutating func appendObject(
        _ node: Int, _ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, r: Int16, d: Int16
    ) throws(Mismatch) {
        guard case .object(let childStart, let childCount) = plan.nodes[node].kind else { return }
        let end = Int(tape.tokens[index].payload)
        let slots = storage.slots + slotStart[node]
        var guess = 0
        var i = index + 1
        while i < end {
            var position = -1
            let matched = tape.withText(of: i, source: source) { key -> Bool in
                // Keys usually come in schema order, some absent: try the next few before hashing.
                var probe = guess
                while probe < childCount && probe < guess + 3 {
                    if nameMatches(plan.children[childStart + probe], key) {
                        position = probe
                        return true
                    }
                    probe += 1
                }
                if let found = plan.lookups[node][Array(key)] {
                    position = found
                    return true
                }
                return false
            }
            guard matched else {
                for p in 0..<childCount { slots[p] = -1 }  // every slot is clean after a misfit
                let key = tape.withText(of: i, source: source) { String(decoding: $0, as: UTF8.self) }
                let path = plan.paths[node]
                throw Mismatch(reason: "key '\(path.isEmpty ? key : path + "." + key)' is not in the schema")
            }
            guess = position + 1
            if slots[position] >= 0 { duplicateKeys += 1 }
            slots[position] = i + 1
            i = tape.next(after: i + 1)
        }
        for position in 0..<childCount {
            let slot = slots[position]
            slots[position] = -1
            do throws(Mismatch) {
                try appendField(plan.children[childStart + position], tape, slot, source, r: r, d: d)
            } catch {
                for rest in (position + 1)..<Swift.max(position + 1, childCount) { slots[rest] = -1 }
                throw error
            }
        }
    }

    /// Fills an optional field from the value at `index` (-1: missing).
    private mutating func appendField(
        _ node: Int, _ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, r: Int16, d: Int16
    ) throws(Mismatch) {
        if index < 0 || tape.tokens[index].kind == .null {
            appendNulls(node, r: r, d: d)
            return
        }
        let token = tape.tokens[index]
        switch plan.nodes[node].kind {
        case .ignored(let typeIndex):
            let type = plan.ignoredTypes[typeIndex]
            if exactKinds && !Self.fitsExactly(type, token, tape, index, source) { throw mismatch(node, SchemaText.typeName(type), token.kind) }
        case .object:
            guard token.kind == .objectStart else { throw mismatch(node, "an object", token.kind) }
            try appendObject(node, tape, index, source, r: r, d: d + 1)
        case .list(let element, let repetitionLevel):
            guard token.kind == .arrayStart else { throw mismatch(node, "an array", token.kind) }
            let end = Int(token.payload)
            if index + 1 == end {
                appendNulls(node, r: r, d: d + 1)  // present but empty
                return
            }
            var i = index + 1
            var itemR = r
            while i < end {
                try appendField(element, tape, i, source, r: itemR, d: d + 2)
                itemR = repetitionLevel
                i = tape.next(after: i)
            }
        case .leaf(let column, let conversion):
            let leaf = storage.leaves + column
            try appendLeaf(node, leaf, conversion, token, tape, index, source)
            leaf.pointee.appendLevels(repetition: r, definition: d + 1)
        }
    }

    private func appendNulls(_ node: Int, r: Int16, d: Int16) {
        let n = plan.nodes[node]
        for column in n.firstLeaf..<n.endLeaf {
            storage.leaves[column].appendLevels(repetition: r, definition: d)
        }
    }

    @inline(__always)
    private func appendLeaf(
        _ node: Int, _ leaf: UnsafeMutablePointer<LeafColumns.Leaf>, _ conversion: LeafConversion, _ token: JSONTape.Token,
        _ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer
    ) throws(Mismatch) {
        switch conversion {
        case .boolean:
            guard token.kind == .true || token.kind == .false else { throw mismatch(node, "a boolean", token.kind) }
            leaf.pointee.words.append(token.kind == .true ? 1 : 0)
        case .int64:
            guard token.kind == .integer else { throw mismatch(node, "an integer", token.kind) }
            leaf.pointee.words.append(token.payload)
        case .narrowInteger(let min, let max, let typeName):
            guard token.kind == .integer else { throw mismatch(node, "an integer", token.kind) }
            let value = Int64(bitPattern: token.payload)
            guard value >= min && value <= max else {
                throw Mismatch(reason: "'\(plan.paths[node])' is \(value), outside the range of \(typeName) (\(min) to \(max))")
            }
            leaf.pointee.words.append(token.payload)
        case .float:
            let value: Double
            switch token.kind {
            case .integer: value = Double(Int64(bitPattern: token.payload))
            case .double, .bigInteger: value = Double(bitPattern: token.payload)
            default: throw mismatch(node, "a number", token.kind)
            }
            let rounded = Float(value)
            guard rounded.isFinite else { throw Mismatch(reason: "'\(plan.paths[node])' is \(value), beyond the range of float") }
            leaf.pointee.words.append(UInt64(rounded.bitPattern))
        case .double:
            switch token.kind {
            case .integer: leaf.pointee.words.append(Double(Int64(bitPattern: token.payload)).bitPattern)
            case .double, .bigInteger: leaf.pointee.words.append(token.payload)
            default: throw mismatch(node, "a number", token.kind)
            }
        case .string:
            switch token.kind {
            case .string:
                if token.escaped {
                    tape.withText(of: index, source: source) { leaf.pointee.bytes.append($0) }
                } else {
                    leaf.pointee.bytes.append(UnsafeRawBufferPointer(rebasing: source[(Int(token.start) + 1)..<(Int(token.end) - 1)]))
                }
                leaf.pointee.endValue()
            case .integer where !exactKinds, .bigInteger where !exactKinds:  // --big-integers string: the exact digits
                leaf.pointee.bytes.append(UnsafeRawBufferPointer(rebasing: source[tape.sourceRange(of: index)]))
                leaf.pointee.endValue()
            default: throw mismatch(node, "a string", token.kind)
            }
        case .decimal38:
            guard token.kind == .integer || token.kind == .bigInteger else { throw mismatch(node, "an integer of at most 38 digits", token.kind) }
            let text = UnsafeRawBufferPointer(rebasing: source[tape.sourceRange(of: index)])
            guard let value = Self.int128(text) else {
                let digits = text.count - (text.first == UInt8(ascii: "-") ? 1 : 0)
                throw Mismatch(reason: "'\(plan.paths[node])' is an integer of \(digits) digits where the schema expects an integer of at most 38 digits")
            }
            withUnsafeBytes(of: value.bigEndian) { leaf.pointee.bytes.append($0) }
            leaf.pointee.endValue()
        case .json:
            leaf.pointee.bytes.append(UnsafeRawBufferPointer(rebasing: source[tape.sourceRange(of: index)]))
            leaf.pointee.endValue()
        case .uuid:
            guard token.kind == .string else { throw mismatch(node, "a UUID (8-4-4-4-12 hex)", token.kind) }
            let parsed = tape.withText(of: index, source: source) { text in
                leaf.pointee.bytes.append(count: 16) { UUIDText.parse(text, into: $0) }
            }
            guard parsed else { throw Mismatch(reason: "'\(plan.paths[node])' is not a UUID (8-4-4-4-12 hex) where the schema expects one") }
            leaf.pointee.endValue()
        case .date:
            guard token.kind == .string, let days = tape.withText(of: index, source: source, TimestampParser.parseDate) else {
                throw mismatch(node, "a YYYY-MM-DD date", token.kind)
            }
            leaf.pointee.words.append(UInt64(bitPattern: Int64(days)))
        case .timestamp(let unit):
            guard token.kind == .string, let instant = tape.withText(of: index, source: source, TimestampParser.parseTimestamp),
                instant.fits(unit)
            else { throw mismatch(node, unit == .micros ? "an ISO-8601 timestamp with an offset, at most 6 fractional digits" : "an ISO-8601 timestamp with an offset, at most 3 fractional digits", token.kind) }
            leaf.pointee.words.append(UInt64(bitPattern: instant.value(in: unit)))
        }
    }

    /// Whether a value of a column that is not stored leaves its inferred `type` unchanged.
    static func fitsExactly(
        _ type: DataType, _ token: JSONTape.Token, _ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer
    ) -> Bool {
        switch type {
        case .boolean: return token.kind == .true || token.kind == .false
        case .int64: return token.kind == .integer
        case .double: return token.kind == .integer || token.kind == .double || token.kind == .bigInteger
        case .string: return token.kind == .string
        case .uuid: return token.kind == .string && tape.withText(of: index, source: source, UUIDText.isUUID)
        case .date: return token.kind == .string && tape.withText(of: index, source: source, TimestampParser.parseDate) != nil
        case .timestamp(let unit, _):
            guard token.kind == .string, let instant = tape.withText(of: index, source: source, TimestampParser.parseTimestamp) else { return false }
            return instant.fits(unit == .millis ? .millis : .micros)
        case .decimal(38, 0):
            return (token.kind == .integer || token.kind == .bigInteger) && int128(UnsafeRawBufferPointer(rebasing: source[tape.sourceRange(of: index)])) != nil
        default: return false
        }
    }

    /// An integer literal of at most 38 digits as Int128.
    static func int128(_ text: UnsafeRawBufferPointer) -> Int128? {
        var negative = false
        var i = 0
        if text.first == UInt8(ascii: "-") {
            negative = true
            i = 1
        }
        guard text.count - i <= 38, text.count > i else { return nil }
        var value: Int128 = 0
        while i < text.count {
            let digit = text[i] &- 48
            guard digit < 10 else { return nil }
            value = value * 10 + Int128(digit)
            i += 1
        }
        return negative ? -value : value
    }

    private func mismatch(_ node: Int, _ expected: String, _ got: JSONTape.Kind) -> Mismatch {
        Mismatch(reason: "'\(plan.paths[node])' is \(Self.describe(got)) where the schema expects \(expected)")
    }

    /// A value kind in words, for bad-record reasons.
    static func describe(_ kind: JSONTape.Kind) -> String {
        switch kind {
        case .objectStart, .objectEnd: "an object"
        case .arrayStart, .arrayEnd: "an array"
        case .key, .string: "a string"
        case .integer: "an integer"
        case .bigInteger: "an integer beyond 64 bits"
        case .double: "a number with a fraction or an exponent"
        case .true, .false: "a boolean"
        case .null: "null"
        }
    }

    /// Appends the rows built so far to `batch` (one copy) and starts again.
    mutating func appendRows(to batch: inout ColumnBatch) {
        storage.append(to: &batch, rows: rows)
        for i in schema.columns.indices { storage.leaves[i].reset() }
        rows = 0
    }

    /// Takes the filled batch (copied out of the builder's storage) and starts a new one.
    package mutating func takeBatch() -> ColumnBatch {
        let columns = schema.columns.indices.map { storage.columnBuffer($0) }
        for i in schema.columns.indices { storage.leaves[i].reset() }
        defer { rows = 0 }
        return ColumnBatch(columns: columns, rowCount: rows)
    }

    var bufferedBytes: Int {
        var total = 0
        for i in schema.columns.indices { total += storage.leaves[i].estimatedByteSize }
        return total
    }
}
