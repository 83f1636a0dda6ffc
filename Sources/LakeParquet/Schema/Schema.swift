/// A Parquet leaf column: its place in the schema, physical type and level bounds.
public struct ColumnDescriptor: Sendable, Hashable {
    /// Path from the root, one name per schema node (`["tags", "list", "element"]`).
    public var path: [String]
    public var physicalType: PhysicalType
    /// Byte width of FIXED_LEN_BYTE_ARRAY values; 0 otherwise.
    public var typeLength: Int
    /// The user-level type of this leaf (decides statistics order and value checks).
    public var dataType: DataType
    /// Highest definition level: reached when the value is present.
    public var maxDefinitionLevel: Int16
    /// Highest repetition level (number of repeated ancestors, itself included).
    public var maxRepetitionLevel: Int16

    public var dottedPath: String { path.joined(separator: ".") }

    /// Whether min/max compare as unsigned integers.
    public var isUnsigned: Bool {
        switch dataType {
        case .uint8, .uint16, .uint32, .uint64: true
        default: false
        }
    }
}

/// A validated schema: the user's fields, the flattened Parquet schema and the leaf columns.
public struct Schema: Sendable, Hashable {
    public let fields: [Field]
    /// Depth-first list of schema elements, root first, as written in the footer.
    public let elements: [SchemaElement]
    /// Leaf columns in schema order; `ColumnBatch` columns follow this order.
    public let columns: [ColumnDescriptor]

    /// A schema may have no field at all: rows without columns (e.g. NDJSON records that are all `{}`).
    public init(_ fields: [Field]) throws(ParquetError) {
        self.fields = fields
        var elements = [SchemaElement(name: "schema", numChildren: Int32(fields.count))]
        var columns: [ColumnDescriptor] = []
        try Schema.checkUniqueNames(fields, parent: [])
        for field in fields {
            try Schema.flatten(
                field, repetition: field.nullable ? .optional : .required, path: [], definition: 0, repetition: 0,
                elements: &elements, columns: &columns)
        }
        self.elements = elements
        self.columns = columns
    }

    private static func checkUniqueNames(_ fields: [Field], parent: [String]) throws(ParquetError) {
        var seen = Set<String>()
        for field in fields {
            guard seen.insert(field.name).inserted else {
                throw ParquetError(
                    .invalidSchema, "duplicate field name '\(field.name)'", columnPath: parent.joined(separator: "."))
            }
        }
    }

    private static func flatten(
        _ field: Field, repetition: Repetition, path parent: [String], definition parentDef: Int16,
        repetition parentRep: Int16, elements: inout [SchemaElement], columns: inout [ColumnDescriptor]
    ) throws(ParquetError) {
        let path = parent + [field.name]
        let def = parentDef + (repetition == .required ? 0 : 1)
        let rep = parentRep + (repetition == .repeated ? 1 : 0)
        switch field.type {
        case .struct(let children):
            guard !children.isEmpty else {
                throw ParquetError(.invalidSchema, "a struct needs at least one field", columnPath: path.joined(separator: "."))
            }
            try checkUniqueNames(children, parent: path)
            elements.append(SchemaElement(name: field.name, repetition: repetition, numChildren: Int32(children.count)))
            for child in children {
                try flatten(
                    child, repetition: child.nullable ? .optional : .required, path: path, definition: def,
                    repetition: rep, elements: &elements, columns: &columns)
            }
        case .list(let element):
            elements.append(
                SchemaElement(
                    name: field.name, repetition: repetition, numChildren: 1, convertedType: .list, logicalType: .list))
            elements.append(SchemaElement(name: "list", repetition: .repeated, numChildren: 1))
            try flatten(
                element, repetition: element.nullable ? .optional : .required, path: path + ["list"],
                definition: def + 1, repetition: rep + 1, elements: &elements, columns: &columns)
        case .map(let key, let value):
            guard key.type.isPrimitive else {
                throw ParquetError(.invalidSchema, "map keys must be primitive", columnPath: path.joined(separator: "."))
            }
            elements.append(
                SchemaElement(
                    name: field.name, repetition: repetition, numChildren: 1, convertedType: .map, logicalType: .map))
            elements.append(SchemaElement(name: "key_value", repetition: .repeated, numChildren: 2))
            try flatten(
                key, repetition: .required, path: path + ["key_value"], definition: def + 1, repetition: rep + 1,
                elements: &elements, columns: &columns)
            try flatten(
                value, repetition: value.nullable ? .optional : .required, path: path + ["key_value"],
                definition: def + 1, repetition: rep + 1, elements: &elements, columns: &columns)
        default:
            let leaf = try leafElement(field.name, field.type, repetition: repetition, path: path)
            elements.append(leaf)
            columns.append(
                ColumnDescriptor(
                    path: path, physicalType: leaf.type!, typeLength: Int(leaf.typeLength ?? 0), dataType: field.type,
                    maxDefinitionLevel: def, maxRepetitionLevel: rep))
        }
    }

    private static func leafElement(
        _ name: String, _ type: DataType, repetition: Repetition, path: [String]
    ) throws(ParquetError) -> SchemaElement {
        func element(_ physical: PhysicalType, _ logical: LogicalType? = nil, length: Int32? = nil) -> SchemaElement {
            SchemaElement(
                name: name, type: physical, typeLength: length, repetition: repetition,
                convertedType: logical?.convertedType, logicalType: logical)
        }
        switch type {
        case .boolean: return element(.boolean)
        case .int8: return element(.int32, .integer(bitWidth: 8, isSigned: true))
        case .int16: return element(.int32, .integer(bitWidth: 16, isSigned: true))
        case .int32: return element(.int32)
        case .int64: return element(.int64)
        case .uint8: return element(.int32, .integer(bitWidth: 8, isSigned: false))
        case .uint16: return element(.int32, .integer(bitWidth: 16, isSigned: false))
        case .uint32: return element(.int32, .integer(bitWidth: 32, isSigned: false))
        case .uint64: return element(.int64, .integer(bitWidth: 64, isSigned: false))
        case .float: return element(.float)
        case .double: return element(.double)
        case .string: return element(.byteArray, .string)
        case .binary: return element(.byteArray)
        case .json: return element(.byteArray, .json)
        case .uuid: return element(.fixedLenByteArray, .uuid, length: 16)
        case .date: return element(.int32, .date)
        case .timestamp(let unit, let utc): return element(.int64, .timestamp(unit: unit, isAdjustedToUTC: utc))
        case .int96Timestamp: return element(.int96)
        case .decimal(let precision, let scale):
            guard precision >= 1 && precision <= 38 && scale >= 0 && scale <= precision else {
                throw ParquetError(
                    .invalidSchema, "decimal(\(precision),\(scale)) needs 1 ≤ precision ≤ 38 and 0 ≤ scale ≤ precision",
                    columnPath: path.joined(separator: "."))
            }
            let logical = LogicalType.decimal(precision: Int32(precision), scale: Int32(scale))
            var leaf: SchemaElement
            if precision <= 9 {
                leaf = element(.int32, logical)
            } else if precision <= 18 {
                leaf = element(.int64, logical)
            } else {
                leaf = element(.fixedLenByteArray, logical, length: Int32(DataType.decimalByteWidth(precision: precision)))
            }
            leaf.scale = Int32(scale)
            leaf.precision = Int32(precision)
            return leaf
        case .fixedBinary(let width):
            guard width > 0 else {
                throw ParquetError(.invalidSchema, "fixed binary width must be positive", columnPath: path.joined(separator: "."))
            }
            return element(.fixedLenByteArray, length: Int32(width))
        case .struct, .list, .map:
            preconditionFailure("nested types are flattened by the caller")
        }
    }
}
