// Thrift compact protocol, the encoding of every Parquet metadata structure.
// Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
//
//   struct       := field* stop
//   stop         := 0x00
//   field        := header value              (fields in increasing id order)
//   header       := (delta << 4 | type)        when 1 ≤ delta = id − last id ≤ 15 (short form)
//                 | type, zigzag-varint(id)    otherwise (long form)
//   type         := 1 true | 2 false | 3 byte | 4 i16 | 5 i32 | 6 i64 | 7 double | 8 binary
//                 | 9 list | 10 set | 11 map | 12 struct
//   bool field   := its value is the type nibble (1 or 2); no value bytes follow
//   i16/i32/i64  := zigzag varint (ULEB128 of (n << 1) ^ (n >> 63))
//   binary       := varint(length) bytes
//   list         := (size << 4 | elemType)     when size < 15
//                 | (0xF0 | elemType), varint(size)
//   nested struct:= its fields, with the last id reset to 0, then stop
//
// The last field id is passed explicitly (arrow-rs style) rather than kept on a hidden stack:
// each `write*Field` takes it and returns the new one.

/// Compact-protocol field and element types.
public enum ThriftType: UInt8, Sendable {
    case booleanTrue = 1
    case booleanFalse = 2
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case `struct` = 12
}

/// A structure that writes itself as a Thrift compact struct.
public protocol ThriftWritable {
    /// Writes the fields and the stop byte.
    func write(to writer: inout ThriftCompactWriter)
}

/// Writes Thrift compact protocol into a `ByteWriter`.
public struct ThriftCompactWriter: Sendable {
    public var output: ByteWriter

    public init(output: ByteWriter = ByteWriter()) {
        self.output = output
    }

    public var bytes: [UInt8] { output.bytes }

    /// Writes a field header; returns `id` (the new last field id).
    @discardableResult
    public mutating func writeFieldHeader(_ type: ThriftType, id: Int16, lastID: Int16) -> Int16 {
        let delta = Int(id) - Int(lastID)
        if delta > 0 && delta <= 15 {
            output.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            output.append(type.rawValue)
            output.appendZigZag(Int64(id))
        }
        return id
    }

    public mutating func writeStop() { output.append(0) }

    public mutating func writeBool(_ value: Bool, id: Int16, lastID: Int16) -> Int16 {
        writeFieldHeader(value ? .booleanTrue : .booleanFalse, id: id, lastID: lastID)
    }

    public mutating func writeI8(_ value: Int8, id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.byte, id: id, lastID: lastID)
        output.append(UInt8(bitPattern: value))
        return last
    }

    public mutating func writeI16(_ value: Int16, id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.i16, id: id, lastID: lastID)
        output.appendZigZag(Int64(value))
        return last
    }

    public mutating func writeI32(_ value: Int32, id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.i32, id: id, lastID: lastID)
        output.appendZigZag(Int64(value))
        return last
    }

    public mutating func writeI64(_ value: Int64, id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.i64, id: id, lastID: lastID)
        output.appendZigZag(value)
        return last
    }

    public mutating func writeBinary(_ value: [UInt8], id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.binary, id: id, lastID: lastID)
        output.appendULEB128(UInt64(value.count))
        output.append(contentsOf: value)
        return last
    }

    public mutating func writeString(_ value: String, id: Int16, lastID: Int16) -> Int16 {
        writeBinary(Array(value.utf8), id: id, lastID: lastID)
    }

    public mutating func writeStruct(_ value: some ThriftWritable, id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.struct, id: id, lastID: lastID)
        value.write(to: &self)
        return last
    }

    /// An empty struct (the members of the LogicalType and ColumnOrder unions that carry no data).
    public mutating func writeEmptyStruct(id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.struct, id: id, lastID: lastID)
        writeStop()
        return last
    }

    public mutating func writeListHeader(_ elementType: ThriftType, count: Int) {
        if count < 15 {
            output.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            output.append(0xF0 | elementType.rawValue)
            output.appendULEB128(UInt64(count))
        }
    }

    public mutating func writeStructList(_ values: [some ThriftWritable], id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.list, id: id, lastID: lastID)
        writeListHeader(.struct, count: values.count)
        for value in values { value.write(to: &self) }
        return last
    }

    public mutating func writeI32List(_ values: [Int32], id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.list, id: id, lastID: lastID)
        writeListHeader(.i32, count: values.count)
        for value in values { output.appendZigZag(Int64(value)) }
        return last
    }

    public mutating func writeStringList(_ values: [String], id: Int16, lastID: Int16) -> Int16 {
        let last = writeFieldHeader(.list, id: id, lastID: lastID)
        writeListHeader(.binary, count: values.count)
        for value in values {
            output.appendULEB128(UInt64(value.utf8.count))
            output.append(contentsOf: value.utf8)
        }
        return last
    }
}
