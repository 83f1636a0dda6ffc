// Parquet metadata structures written with the Thrift compact protocol, field ids as in
// https://github.com/apache/parquet-format/blob/master/src/main/thrift/parquet.thrift
//
// Only what a writer emits is modelled. Optional fields are Swift optionals and are omitted when
// nil; each `write(to:)` emits fields in increasing id order, as the protocol requires.

/// `Statistics` (struct): field 3 null_count, 5 max_value, 6 min_value, 7/8 exactness flags.
/// The deprecated fields 1/2 (signed-order min/max) are never written.
public struct StatisticsMetadata: Sendable, Hashable, ThriftWritable {
    public var nullCount: Int64?
    public var distinctCount: Int64?
    public var maxValue: [UInt8]?
    public var minValue: [UInt8]?
    public var isMaxValueExact: Bool?
    public var isMinValueExact: Bool?

    public init(
        nullCount: Int64? = nil, distinctCount: Int64? = nil, maxValue: [UInt8]? = nil, minValue: [UInt8]? = nil,
        isMaxValueExact: Bool? = nil, isMinValueExact: Bool? = nil
    ) {
        self.nullCount = nullCount
        self.distinctCount = distinctCount
        self.maxValue = maxValue
        self.minValue = minValue
        self.isMaxValueExact = isMaxValueExact
        self.isMinValueExact = isMinValueExact
    }

    public func write(to w: inout ThriftCompactWriter) {
        var last: Int16 = 0
        if let nullCount { last = w.writeI64(nullCount, id: 3, lastID: last) }
        if let distinctCount { last = w.writeI64(distinctCount, id: 4, lastID: last) }
        if let maxValue { last = w.writeBinary(maxValue, id: 5, lastID: last) }
        if let minValue { last = w.writeBinary(minValue, id: 6, lastID: last) }
        if let isMaxValueExact { last = w.writeBool(isMaxValueExact, id: 7, lastID: last) }
        if let isMinValueExact { last = w.writeBool(isMinValueExact, id: 8, lastID: last) }
        w.writeStop()
    }
}

extension TimeUnit: ThriftWritable {
    /// `TimeUnit` union: 1 MILLIS, 2 MICROS, 3 NANOS, each an empty struct.
    public func write(to w: inout ThriftCompactWriter) {
        let id: Int16 = switch self {
        case .millis: 1
        case .micros: 2
        case .nanos: 3
        }
        _ = w.writeEmptyStruct(id: id, lastID: 0)
        w.writeStop()
    }
}

extension LogicalType: ThriftWritable {
    /// `LogicalType` union: the one member set, as a struct field with the member's id.
    public func write(to w: inout ThriftCompactWriter) {
        switch self {
        case .string: _ = w.writeEmptyStruct(id: 1, lastID: 0)
        case .map: _ = w.writeEmptyStruct(id: 2, lastID: 0)
        case .list: _ = w.writeEmptyStruct(id: 3, lastID: 0)
        case .enumeration: _ = w.writeEmptyStruct(id: 4, lastID: 0)
        case .decimal(let precision, let scale):
            // DecimalType: 1 scale, 2 precision.
            w.writeFieldHeader(.struct, id: 5, lastID: 0)
            var last = w.writeI32(scale, id: 1, lastID: 0)
            last = w.writeI32(precision, id: 2, lastID: last)
            w.writeStop()
        case .date: _ = w.writeEmptyStruct(id: 6, lastID: 0)
        case .time(let unit, let utc):
            // TimeType: 1 isAdjustedToUTC, 2 unit.
            w.writeFieldHeader(.struct, id: 7, lastID: 0)
            let last = w.writeBool(utc, id: 1, lastID: 0)
            _ = w.writeStruct(unit, id: 2, lastID: last)
            w.writeStop()
        case .timestamp(let unit, let utc):
            // TimestampType: 1 isAdjustedToUTC, 2 unit.
            w.writeFieldHeader(.struct, id: 8, lastID: 0)
            let last = w.writeBool(utc, id: 1, lastID: 0)
            _ = w.writeStruct(unit, id: 2, lastID: last)
            w.writeStop()
        case .integer(let bitWidth, let isSigned):
            // IntType: 1 bitWidth (i8), 2 isSigned.
            w.writeFieldHeader(.struct, id: 10, lastID: 0)
            let last = w.writeI8(bitWidth, id: 1, lastID: 0)
            _ = w.writeBool(isSigned, id: 2, lastID: last)
            w.writeStop()
        case .unknown: _ = w.writeEmptyStruct(id: 11, lastID: 0)
        case .json: _ = w.writeEmptyStruct(id: 12, lastID: 0)
        case .bson: _ = w.writeEmptyStruct(id: 13, lastID: 0)
        case .uuid: _ = w.writeEmptyStruct(id: 14, lastID: 0)
        }
        w.writeStop()
    }
}

/// `SchemaElement`: one node of the flattened, depth-first schema list.
public struct SchemaElement: Sendable, Hashable, ThriftWritable {
    public var type: PhysicalType?
    public var typeLength: Int32?
    public var repetition: Repetition?
    public var name: String
    public var numChildren: Int32?
    public var convertedType: ConvertedType?
    public var scale: Int32?
    public var precision: Int32?
    public var fieldID: Int32?
    public var logicalType: LogicalType?

    public init(
        name: String, type: PhysicalType? = nil, typeLength: Int32? = nil, repetition: Repetition? = nil,
        numChildren: Int32? = nil, convertedType: ConvertedType? = nil, scale: Int32? = nil,
        precision: Int32? = nil, fieldID: Int32? = nil, logicalType: LogicalType? = nil
    ) {
        self.name = name
        self.type = type
        self.typeLength = typeLength
        self.repetition = repetition
        self.numChildren = numChildren
        self.convertedType = convertedType
        self.scale = scale
        self.precision = precision
        self.fieldID = fieldID
        self.logicalType = logicalType
    }

    public func write(to w: inout ThriftCompactWriter) {
        var last: Int16 = 0
        if let type { last = w.writeI32(type.rawValue, id: 1, lastID: last) }
        if let typeLength { last = w.writeI32(typeLength, id: 2, lastID: last) }
        if let repetition { last = w.writeI32(repetition.rawValue, id: 3, lastID: last) }
        last = w.writeString(name, id: 4, lastID: last)
        if let numChildren { last = w.writeI32(numChildren, id: 5, lastID: last) }
        if let convertedType { last = w.writeI32(convertedType.rawValue, id: 6, lastID: last) }
        if let scale { last = w.writeI32(scale, id: 7, lastID: last) }
        if let precision { last = w.writeI32(precision, id: 8, lastID: last) }
        if let fieldID { last = w.writeI32(fieldID, id: 9, lastID: last) }
        if let logicalType { last = w.writeStruct(logicalType, id: 10, lastID: last) }
        w.writeStop()
    }
}

/// `DataPageHeader` (v1).
public struct DataPageHeader: Sendable, Hashable, ThriftWritable {
    public var numValues: Int32
    public var encoding: Encoding
    public var definitionLevelEncoding: Encoding = .rle
    public var repetitionLevelEncoding: Encoding = .rle

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI32(numValues, id: 1, lastID: 0)
        last = w.writeI32(encoding.rawValue, id: 2, lastID: last)
        last = w.writeI32(definitionLevelEncoding.rawValue, id: 3, lastID: last)
        last = w.writeI32(repetitionLevelEncoding.rawValue, id: 4, lastID: last)
        w.writeStop()
    }
}

/// `DataPageHeaderV2`: levels are stored uncompressed ahead of the (maybe compressed) values.
public struct DataPageHeaderV2: Sendable, Hashable, ThriftWritable {
    public var numValues: Int32
    public var numNulls: Int32
    public var numRows: Int32
    public var encoding: Encoding
    public var definitionLevelsByteLength: Int32
    public var repetitionLevelsByteLength: Int32
    public var isCompressed: Bool

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI32(numValues, id: 1, lastID: 0)
        last = w.writeI32(numNulls, id: 2, lastID: last)
        last = w.writeI32(numRows, id: 3, lastID: last)
        last = w.writeI32(encoding.rawValue, id: 4, lastID: last)
        last = w.writeI32(definitionLevelsByteLength, id: 5, lastID: last)
        last = w.writeI32(repetitionLevelsByteLength, id: 6, lastID: last)
        last = w.writeBool(isCompressed, id: 7, lastID: last)
        w.writeStop()
    }
}

/// `DictionaryPageHeader`.
public struct DictionaryPageHeader: Sendable, Hashable, ThriftWritable {
    public var numValues: Int32
    public var encoding: Encoding = .plain
    public var isSorted: Bool = false

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI32(numValues, id: 1, lastID: 0)
        last = w.writeI32(encoding.rawValue, id: 2, lastID: last)
        last = w.writeBool(isSorted, id: 3, lastID: last)
        w.writeStop()
    }
}

/// `PageHeader`: 1 type, 2 uncompressed size, 3 compressed size, then the header of its kind.
public struct PageHeader: Sendable, Hashable, ThriftWritable {
    public enum Kind: Sendable, Hashable {
        case data(DataPageHeader)
        case dataV2(DataPageHeaderV2)
        case dictionary(DictionaryPageHeader)
    }

    public var uncompressedPageSize: Int32
    public var compressedPageSize: Int32
    public var kind: Kind

    public var type: PageType {
        switch kind {
        case .data: .dataPage
        case .dataV2: .dataPageV2
        case .dictionary: .dictionaryPage
        }
    }

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI32(type.rawValue, id: 1, lastID: 0)
        last = w.writeI32(uncompressedPageSize, id: 2, lastID: last)
        last = w.writeI32(compressedPageSize, id: 3, lastID: last)
        switch kind {
        case .data(let header): last = w.writeStruct(header, id: 5, lastID: last)
        case .dictionary(let header): last = w.writeStruct(header, id: 7, lastID: last)
        case .dataV2(let header): last = w.writeStruct(header, id: 8, lastID: last)
        }
        w.writeStop()
    }
}

/// `PageEncodingStats`: how many pages of a type used an encoding.
public struct PageEncodingStats: Sendable, Hashable, ThriftWritable {
    public var pageType: PageType
    public var encoding: Encoding
    public var count: Int32

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI32(pageType.rawValue, id: 1, lastID: 0)
        last = w.writeI32(encoding.rawValue, id: 2, lastID: last)
        last = w.writeI32(count, id: 3, lastID: last)
        w.writeStop()
    }
}

/// `KeyValue` metadata entry.
public struct KeyValue: Sendable, Hashable, ThriftWritable {
    public var key: String
    public var value: String?

    public init(key: String, value: String?) {
        self.key = key
        self.value = value
    }

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeString(key, id: 1, lastID: 0)
        if let value { last = w.writeString(value, id: 2, lastID: last) }
        w.writeStop()
    }
}

/// `ColumnMetaData`.
public struct ColumnMetaData: Sendable, Hashable, ThriftWritable {
    public var type: PhysicalType
    public var encodings: [Encoding]
    public var pathInSchema: [String]
    public var codec: CompressionCodec
    public var numValues: Int64
    public var totalUncompressedSize: Int64
    public var totalCompressedSize: Int64
    public var dataPageOffset: Int64
    public var dictionaryPageOffset: Int64?
    public var statistics: StatisticsMetadata?
    public var encodingStats: [PageEncodingStats]

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI32(type.rawValue, id: 1, lastID: 0)
        last = w.writeI32List(encodings.map(\.rawValue), id: 2, lastID: last)
        last = w.writeStringList(pathInSchema, id: 3, lastID: last)
        last = w.writeI32(codec.rawValue, id: 4, lastID: last)
        last = w.writeI64(numValues, id: 5, lastID: last)
        last = w.writeI64(totalUncompressedSize, id: 6, lastID: last)
        last = w.writeI64(totalCompressedSize, id: 7, lastID: last)
        last = w.writeI64(dataPageOffset, id: 9, lastID: last)
        if let dictionaryPageOffset { last = w.writeI64(dictionaryPageOffset, id: 11, lastID: last) }
        if let statistics { last = w.writeStruct(statistics, id: 12, lastID: last) }
        if !encodingStats.isEmpty { last = w.writeStructList(encodingStats, id: 13, lastID: last) }
        w.writeStop()
    }
}

/// `ColumnChunk`: 2 file_offset (deprecated; the chunk's first byte), 3 meta_data.
public struct ColumnChunk: Sendable, Hashable, ThriftWritable {
    public var fileOffset: Int64
    public var metaData: ColumnMetaData

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI64(fileOffset, id: 2, lastID: 0)
        last = w.writeStruct(metaData, id: 3, lastID: last)
        w.writeStop()
    }
}

/// `RowGroup`.
public struct RowGroup: Sendable, Hashable, ThriftWritable {
    public var columns: [ColumnChunk]
    public var totalByteSize: Int64
    public var numRows: Int64
    public var fileOffset: Int64
    public var totalCompressedSize: Int64
    public var ordinal: Int16

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeStructList(columns, id: 1, lastID: 0)
        last = w.writeI64(totalByteSize, id: 2, lastID: last)
        last = w.writeI64(numRows, id: 3, lastID: last)
        last = w.writeI64(fileOffset, id: 5, lastID: last)
        last = w.writeI64(totalCompressedSize, id: 6, lastID: last)
        last = w.writeI16(ordinal, id: 7, lastID: last)
        w.writeStop()
    }
}

/// `ColumnOrder` union, member 1 `TYPE_ORDER`: min/max follow the type's defined sort order.
public struct TypeDefinedColumnOrder: Sendable, Hashable, ThriftWritable {
    public init() {}
    public func write(to w: inout ThriftCompactWriter) {
        _ = w.writeEmptyStruct(id: 1, lastID: 0)
        w.writeStop()
    }
}

/// `FileMetaData`, the footer.
public struct FileMetaData: Sendable, Hashable, ThriftWritable {
    public var version: Int32
    public var schema: [SchemaElement]
    public var numRows: Int64
    public var rowGroups: [RowGroup]
    public var keyValueMetadata: [KeyValue]
    public var createdBy: String
    /// One per leaf column; present so readers trust `min_value`/`max_value`.
    public var columnOrders: [TypeDefinedColumnOrder]

    public func write(to w: inout ThriftCompactWriter) {
        var last = w.writeI32(version, id: 1, lastID: 0)
        last = w.writeStructList(schema, id: 2, lastID: last)
        last = w.writeI64(numRows, id: 3, lastID: last)
        last = w.writeStructList(rowGroups, id: 4, lastID: last)
        if !keyValueMetadata.isEmpty { last = w.writeStructList(keyValueMetadata, id: 5, lastID: last) }
        last = w.writeString(createdBy, id: 6, lastID: last)
        last = w.writeStructList(columnOrders, id: 7, lastID: last)
        w.writeStop()
    }
}
