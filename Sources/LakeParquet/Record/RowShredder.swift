// Record shredding (Dremel): rows of nested values become per-leaf values plus definition and
// repetition levels. Spec background: https://parquet.apache.org/docs/file-format/nestedencoding/
//
// For each field, with d the definition level reached by its parents and r the repetition level
// of the current entry:
//   null (nullable field)     → every leaf below gets an entry (r, d)
//   present, optional         → children see d + 1
//   primitive                 → the leaf gets the value at (r, d′) with d′ its max definition level
//   list with items i0…in     → the repeated `list` group adds 1 to d and to the repetition depth p:
//                               item 0 is written at r, later items at p
//   empty list                → every leaf below gets (r, d + [nullable])  (the list exists, no items)
//   map                       → as a list of {key, value} records
//
// A row is first checked against the schema, then written: a bad value throws before any column
// changes, so a failed row never leaves the buffers out of step.

/// Shreds rows of `Value`s into `ColumnBuffer`s.
public enum RowShredder {
    /// Checks `row` against `fields` and appends it to `columns` (leaf order).
    public static func append(_ row: [Value], fields: [Field], to columns: inout [ColumnBuffer]) throws(ParquetError) {
        guard row.count == fields.count else {
            throw ParquetError(.invalidValue, "row has \(row.count) values for \(fields.count) fields")
        }
        for (field, value) in zip(fields, row) { try check(value, field: field, path: field.name) }
        var leaf = 0
        for (field, value) in zip(fields, row) {
            shred(value, field: field, r: 0, d: 0, depth: 0, leaf: &leaf, columns: &columns)
        }
    }

    // MARK: Checking

    private static func check(_ value: Value, field: Field, path: String) throws(ParquetError) {
        if case .null = value {
            guard field.nullable else { throw ParquetError(.invalidValue, "null in a required field", columnPath: path) }
            return
        }
        switch field.type {
        case .struct(let children):
            guard case .record(let values) = value, values.count == children.count else {
                throw ParquetError(.invalidValue, "expected a record of \(children.count) fields, got \(value)", columnPath: path)
            }
            for (child, v) in zip(children, values) { try check(v, field: child, path: path + "." + child.name) }
        case .list(let element):
            guard case .list(let items) = value else {
                throw ParquetError(.invalidValue, "expected a list, got \(value)", columnPath: path)
            }
            for item in items { try check(item, field: element, path: path + ".element") }
        case .map(let key, let valueField):
            guard case .map(let entries) = value else {
                throw ParquetError(.invalidValue, "expected a map, got \(value)", columnPath: path)
            }
            for entry in entries {
                try check(entry.key, field: key, path: path + ".key")
                try check(entry.value, field: valueField, path: path + ".value")
            }
        default:
            _ = try LeafValue(value, type: field.type, path: path)
        }
    }

    // MARK: Writing

    private static func shred(
        _ value: Value, field: Field, r: Int16, d: Int16, depth: Int16, leaf: inout Int, columns: inout [ColumnBuffer]
    ) {
        if case .null = value {
            let count = leafCount(field.type)
            for i in leaf..<(leaf + count) { columns[i].appendLevels(repetition: r, definition: d) }
            leaf += count
            return
        }
        let defined = d + (field.nullable ? 1 : 0)
        switch field.type {
        case .struct(let children):
            guard case .record(let values) = value else { preconditionFailure("checked") }
            for (child, v) in zip(children, values) {
                shred(v, field: child, r: r, d: defined, depth: depth, leaf: &leaf, columns: &columns)
            }
        case .list(let element):
            guard case .list(let items) = value else { preconditionFailure("checked") }
            shredRepeated(
                items.map { [$0] }, fields: [element], r: r, d: defined, depth: depth, leaf: &leaf, columns: &columns)
        case .map(let key, let valueField):
            guard case .map(let entries) = value else { preconditionFailure("checked") }
            shredRepeated(
                entries.map { [$0.key, $0.value] }, fields: [key, valueField], r: r, d: defined, depth: depth,
                leaf: &leaf, columns: &columns)
        default:
            let leafValue = try! LeafValue(value, type: field.type, path: "")
            leafValue.append(to: &columns[leaf])
            columns[leaf].appendLevels(repetition: r, definition: defined)
            leaf += 1
        }
    }

    /// Items of a repeated group (LIST's `list` or MAP's `key_value`), each a tuple of its children.
    private static func shredRepeated(
        _ items: [[Value]], fields: [Field], r: Int16, d: Int16, depth: Int16, leaf: inout Int,
        columns: inout [ColumnBuffer]
    ) {
        let count = fields.reduce(0) { $0 + leafCount($1.type) }
        if items.isEmpty {
            for i in leaf..<(leaf + count) { columns[i].appendLevels(repetition: r, definition: d) }
            leaf += count
            return
        }
        let start = leaf
        for (index, item) in items.enumerated() {
            var cursor = start
            let itemR = index == 0 ? r : depth + 1
            for (child, v) in zip(fields, item) {
                shred(v, field: child, r: itemR, d: d + 1, depth: depth + 1, leaf: &cursor, columns: &columns)
            }
        }
        leaf = start + count
    }

    static func leafCount(_ type: DataType) -> Int {
        switch type {
        case .struct(let children): children.reduce(0) { $0 + leafCount($1.type) }
        case .list(let element): leafCount(element.type)
        case .map(let key, let value): leafCount(key.type) + leafCount(value.type)
        default: 1
        }
    }
}

/// A primitive value converted to its physical representation.
enum LeafValue {
    case boolean(Bool)
    case int32(Int32)
    case int64(Int64)
    case int96(Int96)
    case float(Float)
    case double(Double)
    case bytes([UInt8])

    init(_ value: Value, type: DataType, path: String) throws(ParquetError) {
        func fail(_ why: String) -> ParquetError { ParquetError(.invalidValue, why, columnPath: path) }
        func integer(_ range: ClosedRange<Int64>) throws(ParquetError) -> Int64 {
            guard case .int(let v) = value else { throw fail("expected an integer, got \(value)") }
            guard range.contains(v) else { throw fail("\(v) is outside \(range)") }
            return v
        }
        switch type {
        case .boolean:
            guard case .bool(let b) = value else { throw fail("expected a boolean, got \(value)") }
            self = .boolean(b)
        case .int8: self = .int32(Int32(try integer(-128...127)))
        case .int16: self = .int32(Int32(try integer(-32768...32767)))
        case .int32, .date: self = .int32(Int32(try integer(Int64(Int32.min)...Int64(Int32.max))))
        case .uint8: self = .int32(Int32(try integer(0...255)))
        case .uint16: self = .int32(Int32(try integer(0...65535)))
        case .uint32: self = .int32(Int32(bitPattern: UInt32(try integer(0...Int64(UInt32.max)))))
        case .int64, .timestamp: self = .int64(try integer(Int64.min...Int64.max))
        case .uint64:
            if case .uint(let u) = value { self = .int64(Int64(bitPattern: u)) } else { self = .int64(try integer(0...Int64.max)) }
        case .int96Timestamp: self = .int96(Int96(nanosecondsSinceEpoch: try integer(Int64.min...Int64.max)))
        case .float:
            switch value {
            case .float(let f): self = .float(f)
            case .double(let x): self = .float(Float(x))
            default: throw fail("expected a float, got \(value)")
            }
        case .double:
            switch value {
            case .double(let x): self = .double(x)
            case .float(let f): self = .double(Double(f))
            default: throw fail("expected a double, got \(value)")
            }
        case .string, .json:
            guard case .string(let s) = value else { throw fail("expected a string, got \(value)") }
            self = .bytes(Array(s.utf8))
        case .binary:
            switch value {
            case .bytes(let b): self = .bytes(b)
            case .string(let s): self = .bytes(Array(s.utf8))
            default: throw fail("expected bytes, got \(value)")
            }
        case .uuid:
            switch value {
            case .bytes(let b) where b.count == 16: self = .bytes(b)
            case .string(let s):
                guard let b = UUIDText.parse(s) else { throw fail("'\(s)' is not a UUID") }
                self = .bytes(b)
            default: throw fail("expected 16 bytes or a UUID string, got \(value)")
            }
        case .fixedBinary(let width):
            guard case .bytes(let b) = value, b.count == width else { throw fail("expected \(width) bytes, got \(value)") }
            self = .bytes(b)
        case .decimal(let precision, _):
            if precision > 18, case .bytes(let b) = value {
                let width = DataType.decimalByteWidth(precision: precision)
                guard b.count == width else { throw fail("expected \(width) big-endian bytes, got \(b.count)") }
                self = .bytes(b)
                return
            }
            guard case .int(let unscaled) = value else { throw fail("expected an unscaled integer, got \(value)") }
            if precision <= 18 {
                var limit: Int64 = 1
                for _ in 0..<precision { limit *= 10 }
                guard unscaled > -limit && unscaled < limit else { throw fail("\(unscaled) has more than \(precision) digits") }
            }
            if precision <= 9 {
                self = .int32(Int32(unscaled))
            } else if precision <= 18 {
                self = .int64(unscaled)
            } else {
                let width = DataType.decimalByteWidth(precision: precision)
                let fill: UInt8 = unscaled < 0 ? 0xFF : 0
                var bytes = [UInt8](repeating: fill, count: width)
                var v = unscaled
                for i in stride(from: width - 1, through: max(0, width - 8), by: -1) {
                    bytes[i] = UInt8(truncatingIfNeeded: v)
                    v >>= 8
                }
                self = .bytes(bytes)
            }
        case .struct, .list, .map:
            throw fail("nested type where a primitive was expected")
        }
    }

    func append(to column: inout ColumnBuffer) {
        switch self {
        case .boolean(let v): column.booleans.append(v)
        case .int32(let v): column.int32s.append(v)
        case .int64(let v): column.int64s.append(v)
        case .int96(let v): column.int96s.append(v)
        case .float(let v): column.floats.append(v)
        case .double(let v): column.doubles.append(v)
        case .bytes(let v): column.byteArrays.append(v)
        }
    }
}
