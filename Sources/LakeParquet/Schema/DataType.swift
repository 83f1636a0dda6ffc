/// The type of a field, as a user of the library thinks of it. `Schema` maps each to Parquet
/// physical and logical types (documented per case) and to the nesting the spec prescribes.
public indirect enum DataType: Sendable, Hashable {
    /// BOOLEAN.
    case boolean
    /// INT32 + INT(8, signed).
    case int8
    /// INT32 + INT(16, signed).
    case int16
    /// INT32 (+ INT(32, signed)).
    case int32
    /// INT64 (+ INT(64, signed)).
    case int64
    /// INT32 + INT(8, unsigned).
    case uint8
    /// INT32 + INT(16, unsigned).
    case uint16
    /// INT32 + INT(32, unsigned); statistics compare unsigned.
    case uint32
    /// INT64 + INT(64, unsigned); statistics compare unsigned.
    case uint64
    /// FLOAT.
    case float
    /// DOUBLE.
    case double
    /// BYTE_ARRAY + STRING (UTF8). Values must be valid UTF-8.
    case string
    /// BYTE_ARRAY, no annotation.
    case binary
    /// BYTE_ARRAY + JSON: a string holding JSON text.
    case json
    /// FIXED_LEN_BYTE_ARRAY(16) + UUID.
    case uuid
    /// INT32 + DATE: days since 1970-01-01.
    case date
    /// INT64 + TIMESTAMP(unit, isAdjustedToUTC).
    case timestamp(TimeUnit, isAdjustedToUTC: Bool)
    /// Legacy INT96 timestamp (nanoseconds in the row API), for old Hive and Impala readers.
    case int96Timestamp
    /// DECIMAL(precision, scale): INT32 when precision ≤ 9, INT64 when ≤ 18, else
    /// FIXED_LEN_BYTE_ARRAY of the minimal width, big-endian two's complement.
    case decimal(precision: Int, scale: Int)
    /// FIXED_LEN_BYTE_ARRAY(n), no annotation.
    case fixedBinary(Int)
    /// A group of named fields.
    case `struct`([Field])
    /// A 3-level LIST: `<rep> group name (LIST) { repeated group list { <element> } }`.
    case list(Field)
    /// A MAP: `<rep> group name (MAP) { repeated group key_value { required key; <value> } }`.
    case map(key: Field, value: Field)

    /// A list whose elements are named `element` and may be null.
    public static func list(of type: DataType, elementsNullable: Bool = true) -> DataType {
        .list(Field("element", type, nullable: elementsNullable))
    }

    /// A map with a required `key` and a nullable `value`.
    public static func map(_ key: DataType, _ value: DataType, valuesNullable: Bool = true) -> DataType {
        .map(key: Field("key", key, nullable: false), value: Field("value", value, nullable: valuesNullable))
    }

    /// True for the leaf (non-nested) types.
    public var isPrimitive: Bool {
        switch self {
        case .struct, .list, .map: false
        default: true
        }
    }
}

/// A named, possibly nullable field.
public struct Field: Sendable, Hashable {
    public var name: String
    public var type: DataType
    public var nullable: Bool

    public init(_ name: String, _ type: DataType, nullable: Bool = true) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

extension DataType {
    /// Bytes of a FIXED_LEN_BYTE_ARRAY decimal of this precision: the least n with
    /// 10^precision − 1 < 2^(8n − 1).
    static func decimalByteWidth(precision: Int) -> Int {
        var width = 1
        // log2(10) ≈ 3.3219…; compare digits against the bits of a signed n-byte integer.
        while Double(8 * width - 1) * 0.301_029_995_663_981_2 < Double(precision) { width += 1 }
        return width
    }
}
