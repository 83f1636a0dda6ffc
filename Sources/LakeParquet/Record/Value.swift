/// A value in the row API: one variant per shape, mapped onto the field's `DataType` when the
/// row is shredded into columns (see `RowShredder` for which cases each type accepts).
public indirect enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    /// Any integer type, DATE (days), TIMESTAMP (in the column's unit), INT96 timestamps
    /// (nanoseconds), DECIMAL (the unscaled value).
    case int(Int64)
    /// UINT64 values above Int64.max.
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    /// BINARY, FIXED, UUID (16 bytes), DECIMAL (big-endian two's complement of the column's width).
    case bytes([UInt8])
    /// A LIST's elements.
    case list([Value])
    /// A struct's fields, in schema order.
    case record([Value])
    /// A MAP's entries, in order.
    case map([MapEntry])
}

/// One key/value pair of a `Value.map`.
public struct MapEntry: Sendable, Hashable {
    public var key: Value
    public var value: Value
    public init(_ key: Value, _ value: Value) {
        self.key = key
        self.value = value
    }
}
