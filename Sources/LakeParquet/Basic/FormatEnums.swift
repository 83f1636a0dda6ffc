// The enums of parquet.thrift, with their wire values.
// Spec: https://github.com/apache/parquet-format/blob/master/src/main/thrift/parquet.thrift

/// Physical storage type of a leaf column (`Type` in parquet.thrift).
public enum PhysicalType: Int32, Sendable, Hashable, CaseIterable {
    case boolean = 0
    case int32 = 1
    case int64 = 2
    case int96 = 3
    case float = 4
    case double = 5
    case byteArray = 6
    case fixedLenByteArray = 7
}

/// `FieldRepetitionType`.
public enum Repetition: Int32, Sendable, Hashable {
    case required = 0
    case optional = 1
    case repeated = 2
}

/// `Encoding`.
public enum Encoding: Int32, Sendable, Hashable, Comparable, CaseIterable {
    case plain = 0
    case plainDictionary = 2
    case rle = 3
    case bitPacked = 4
    case deltaBinaryPacked = 5
    case deltaLengthByteArray = 6
    case deltaByteArray = 7
    case rleDictionary = 8
    case byteStreamSplit = 9

    public static func < (lhs: Encoding, rhs: Encoding) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// `CompressionCodec`.
public enum CompressionCodec: Int32, Sendable, Hashable, CaseIterable {
    case uncompressed = 0
    case snappy = 1
    case gzip = 2
    case lzo = 3
    case brotli = 4
    case lz4 = 5
    case zstd = 6
    case lz4Raw = 7

    /// The name readers and Athena use (`SNAPPY`, `GZIP`, …).
    public var name: String {
        switch self {
        case .uncompressed: "UNCOMPRESSED"
        case .snappy: "SNAPPY"
        case .gzip: "GZIP"
        case .lzo: "LZO"
        case .brotli: "BROTLI"
        case .lz4: "LZ4"
        case .zstd: "ZSTD"
        case .lz4Raw: "LZ4_RAW"
        }
    }
}

/// `PageType`.
public enum PageType: Int32, Sendable, Hashable {
    case dataPage = 0
    case indexPage = 1
    case dictionaryPage = 2
    case dataPageV2 = 3
}

/// Legacy `ConvertedType`, written beside each logical type for older Hive/Spark readers.
public enum ConvertedType: Int32, Sendable, Hashable {
    case utf8 = 0
    case map = 1
    case mapKeyValue = 2
    case list = 3
    case enumeration = 4
    case decimal = 5
    case date = 6
    case timeMillis = 7
    case timeMicros = 8
    case timestampMillis = 9
    case timestampMicros = 10
    case uint8 = 11
    case uint16 = 12
    case uint32 = 13
    case uint64 = 14
    case int8 = 15
    case int16 = 16
    case int32 = 17
    case int64 = 18
    case json = 19
    case bson = 20
    case interval = 21
}

/// `TimeUnit` of TIMESTAMP and TIME logical types.
public enum TimeUnit: Sendable, Hashable {
    case millis
    case micros
    case nanos
}

/// `LogicalType` (the union in parquet.thrift), the modern annotation of a schema node.
public enum LogicalType: Sendable, Hashable {
    case string
    case map
    case list
    case enumeration
    case decimal(precision: Int32, scale: Int32)
    case date
    case time(unit: TimeUnit, isAdjustedToUTC: Bool)
    case timestamp(unit: TimeUnit, isAdjustedToUTC: Bool)
    case integer(bitWidth: Int8, isSigned: Bool)
    case unknown
    case json
    case bson
    case uuid

    /// The legacy ConvertedType that means the same, where one exists.
    public var convertedType: ConvertedType? {
        switch self {
        case .string: .utf8
        case .map: .map
        case .list: .list
        case .enumeration: .enumeration
        case .decimal: .decimal
        case .date: .date
        case .time(let unit, true): unit == .millis ? .timeMillis : unit == .micros ? .timeMicros : nil
        case .time: nil
        // TIMESTAMP_MILLIS/MICROS imply UTC-adjusted instants; a local timestamp has no legacy form.
        case .timestamp(let unit, true): unit == .millis ? .timestampMillis : unit == .micros ? .timestampMicros : nil
        case .timestamp: nil
        case .integer(let width, let signed):
            switch (width, signed) {
            case (8, true): .int8
            case (16, true): .int16
            case (32, true): .int32
            case (64, true): .int64
            case (8, false): .uint8
            case (16, false): .uint16
            case (32, false): .uint32
            case (64, false): .uint64
            default: nil
            }
        case .unknown: nil
        case .json: .json
        case .bson: .bson
        case .uuid: nil
        }
    }
}
