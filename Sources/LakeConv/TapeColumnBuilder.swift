import LakeJSON
import LakeParquet

/// How a leaf column is filled from a JSON value.
enum LeafConversion {
    case boolean, int64, double, string, json, date
    case timestamp(TimestampParser.TimeUnitChoice)
}

/// The schema as a tree of fill instructions, one node per field (simdjson On-Demand style:
/// the walk is directed by the expected type, not by a switch over every value's type).
final class PlanNode {
    enum Kind {
        case leaf(column: Int, conversion: LeafConversion)
        case object(children: [PlanNode])
        case list(element: PlanNode, repetitionLevel: Int16)
    }

    let name: [UInt8]
    let path: String
    var kind: Kind = .object(children: [])
    /// Leaf columns under this node: `firstLeaf ..< endLeaf`.
    var firstLeaf = 0
    var endLeaf = 0
    /// Objects: child lookup by key (predicted order first), and a scratch slot per child.
    private var lookup: [[UInt8]: Int] = [:]
    private var predicted = 0
    var slots: [Int] = []

    init(name: [UInt8], path: String) {
        self.name = name
        self.path = path
    }

    /// Builds the plan for `fields`, numbering leaves in schema order.
    static func build(_ fields: [Field]) -> PlanNode {
        var leaf = 0
        let root = PlanNode(name: [], path: "")
        root.kind = .object(children: fields.map { make($0, path: $0.name, repetition: 0, leaf: &leaf) })
        root.endLeaf = leaf
        root.finishObject()
        return root
    }

    private static func make(_ field: Field, path: String, repetition: Int16, leaf: inout Int) -> PlanNode {
        let node = PlanNode(name: Array(field.name.utf8), path: path)
        node.firstLeaf = leaf
        switch field.type {
        case .struct(let children):
            node.kind = .object(children: children.map { make($0, path: path + "." + $0.name, repetition: repetition, leaf: &leaf) })
            node.finishObject()
        case .list(let element):
            node.kind = .list(element: make(element, path: path + "[]", repetition: repetition + 1, leaf: &leaf), repetitionLevel: repetition + 1)
        default:
            let conversion: LeafConversion = switch field.type {
            case .boolean: .boolean
            case .int64: .int64
            case .double: .double
            case .json: .json
            case .date: .date
            case .timestamp(let unit, _): .timestamp(unit == .millis ? .millis : .micros)
            default: .string
            }
            node.kind = .leaf(column: leaf, conversion: conversion)
            leaf += 1
        }
        node.endLeaf = leaf
        return node
    }

    private func finishObject() {
        guard case .object(let children) = kind else { return }
        for (i, child) in children.enumerated() { lookup[child.name] = i }
        slots = Array(repeating: -1, count: children.count)
    }

    /// Index of the child named by `key`, or nil.
    @inline(__always)
    func childIndex(_ key: UnsafeRawBufferPointer, children: [PlanNode]) -> Int? {
        if predicted < children.count, children[predicted].name.elementsEqual(key) {
            predicted += 1
            return predicted - 1
        }
        guard let index = lookup[Array(key)] else { return nil }
        predicted = index + 1
        return index
    }

    func resetPrediction() { predicted = 0 }
}

/// Turns parsed records into column buffers, directed by the plan; a record that does not fit
/// (only possible with a sampled schema) is rolled back and reported, never half-written.
struct TapeColumnBuilder {
    let schema: Schema
    let plan: PlanNode
    var batch: ColumnBatch
    /// Duplicate keys seen (the last value won).
    var duplicateKeys = 0
    private var marks: [ColumnBuffer.Mark] = []

    init(schema: Schema) {
        self.schema = schema
        plan = PlanNode.build(schema.fields)
        batch = ColumnBatch(schema: schema)
    }

    /// A record that does not fit the schema.
    struct Mismatch: Error {
        var reason: String
    }

    /// Appends one record (the tape of a top-level object).
    mutating func append(_ tape: JSONTape, source: UnsafeRawBufferPointer) throws(Mismatch) {
        marks.removeAll(keepingCapacity: true)
        for column in batch.columns { marks.append(column.mark) }
        let duplicatesBefore = duplicateKeys
        do {
            try appendObject(plan, tape, 0, source, r: 0, d: 0)
        } catch {
            for i in batch.columns.indices { batch.columns[i].truncate(to: marks[i]) }
            duplicateKeys = duplicatesBefore
            throw error
        }
    }

    /// Fills the children of an object node from the object at `index` (levels below `d`).
    private mutating func appendObject(
        _ node: PlanNode, _ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, r: Int16, d: Int16
    ) throws(Mismatch) {
        guard case .object(let children) = node.kind else { return }
        let end = Int(tape.tokens[index].payload)
        node.resetPrediction()
        var i = index + 1
        while i < end {
            let found = tape.withText(of: i, source: source) { node.childIndex($0, children: children) }
            guard let child = found else {
                let key = tape.withText(of: i, source: source) { String(decoding: $0, as: UTF8.self) }
                throw Mismatch(reason: "key '\(node.path.isEmpty ? key : node.path + "." + key)' is not in the schema")
            }
            if node.slots[child] >= 0 { duplicateKeys += 1 }
            node.slots[child] = i + 1
            i = tape.next(after: i + 1)
        }
        for (c, child) in children.enumerated() {
            let slot = node.slots[c]
            node.slots[c] = -1
            try appendField(child, tape, slot, source, r: r, d: d)
        }
    }

    /// Fills an optional field from the value at `index` (-1: missing).
    private mutating func appendField(
        _ node: PlanNode, _ tape: JSONTape, _ index: Int, _ source: UnsafeRawBufferPointer, r: Int16, d: Int16
    ) throws(Mismatch) {
        if index < 0 || tape.tokens[index].kind == .null {
            appendNulls(node, r: r, d: d)
            return
        }
        let token = tape.tokens[index]
        switch node.kind {
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
            try appendLeaf(node, column, conversion, tape, index, source)
            batch.columns[column].appendLevels(repetition: r, definition: d + 1)
        }
    }

    private mutating func appendNulls(_ node: PlanNode, r: Int16, d: Int16) {
        for column in node.firstLeaf..<node.endLeaf {
            batch.columns[column].appendLevels(repetition: r, definition: d)
        }
    }

    private mutating func appendLeaf(
        _ node: PlanNode, _ column: Int, _ conversion: LeafConversion, _ tape: JSONTape, _ index: Int,
        _ source: UnsafeRawBufferPointer
    ) throws(Mismatch) {
        let token = tape.tokens[index]
        switch conversion {
        case .boolean:
            guard token.kind == .true || token.kind == .false else { throw mismatch(node, "a boolean", token.kind) }
            batch.columns[column].booleans.append(token.kind == .true)
        case .int64:
            guard token.kind == .integer else { throw mismatch(node, "an integer", token.kind) }
            batch.columns[column].int64s.append(Int64(bitPattern: token.payload))
        case .double:
            switch token.kind {
            case .integer: batch.columns[column].doubles.append(Double(Int64(bitPattern: token.payload)))
            case .double, .bigInteger: batch.columns[column].doubles.append(Double(bitPattern: token.payload))
            default: throw mismatch(node, "a number", token.kind)
            }
        case .string:
            guard token.kind == .string else { throw mismatch(node, "a string", token.kind) }
            tape.withText(of: index, source: source) { batch.columns[column].byteArrays.append($0) }
        case .json:
            let range = tape.sourceRange(of: index)
            batch.columns[column].byteArrays.append(UnsafeRawBufferPointer(rebasing: source[range]))
        case .date:
            guard token.kind == .string, let days = tape.withText(of: index, source: source, TimestampParser.parseDate) else {
                throw mismatch(node, "a YYYY-MM-DD date", token.kind)
            }
            batch.columns[column].int32s.append(Int32(truncatingIfNeeded: days))
        case .timestamp(let unit):
            guard token.kind == .string, let instant = tape.withText(of: index, source: source, TimestampParser.parseTimestamp),
                unit == .micros || instant.fractionDigits <= 3
            else { throw mismatch(node, "an ISO-8601 timestamp with an offset", token.kind) }
            batch.columns[column].int64s.append(instant.value(in: unit))
        }
    }

    private func mismatch(_ node: PlanNode, _ expected: String, _ got: JSONTape.Kind) -> Mismatch {
        Mismatch(reason: "'\(node.path)' is \(got) where the schema expects \(expected)")
    }

    /// Takes the filled batch and starts a new one.
    mutating func takeBatch() -> ColumnBatch {
        defer { batch = ColumnBatch(schema: schema) }
        return batch
    }

    var bufferedRows: Int { batch.columns.first?.rowCount ?? 0 }
    var bufferedBytes: Int { batch.columns.reduce(0) { $0 + $1.estimatedByteSize } }
}
