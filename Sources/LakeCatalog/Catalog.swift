import Foundation
import LakeParquet

/// A table to register: data columns, partition keys, location, and what lakeconv knows of the data.
public struct CatalogTable: Sendable {
    public var database: String
    public var name: String
    /// `s3://bucket/prefix/` (a trailing `/` is added when missing).
    public var location: String
    /// Columns stored in the files.
    public var columns: [Field]
    public var partitionKeys: [PartitionKey]
    /// Parquet codec name for `parquet.compression` (`SNAPPY`, `GZIP`, `ZSTD`, `UNCOMPRESSED`).
    public var compression: String
    /// Hash partitioning levels, stated in the table properties: (source column, buckets).
    public var hashPartitioning: [(column: String, buckets: Int)]

    public init(
        database: String, name: String, location: String, columns: [Field], partitionKeys: [PartitionKey], compression: String,
        hashPartitioning: [(column: String, buckets: Int)] = []
    ) {
        self.database = database.lowercased()
        self.name = name.lowercased()
        self.location = location.hasSuffix("/") ? location : location + "/"
        self.columns = columns
        self.partitionKeys = partitionKeys
        self.compression = compression
        self.hashPartitioning = hashPartitioning
    }

    var qualifiedName: String { Identifier.backticked(database) + "." + Identifier.backticked(name) }
}

/// A partition key column and how Athena partition projection can enumerate it.
public struct PartitionKey: Sendable, Hashable {
    public var name: String
    /// Hive type: `string`, `int`, `bigint`, …
    public var type: String
    public var projection: Projection

    public enum Projection: Sendable, Hashable {
        /// `projection.<key>.type=enum` with these values.
        case enumeration([String])
        /// `projection.<key>.type=integer`, inclusive range, zero-padded to `digits` (0: none).
        case integer(min: Int, max: Int, digits: Int)
        /// `projection.<key>.type=date`: range start (in `format`) to NOW, one `unit` at a time.
        case date(start: String, format: String, unit: String)
    }

    public init(name: String, type: String, projection: Projection) {
        self.name = name
        self.type = type
        self.projection = projection
    }
}

/// One partition: its key values (nil: the default partition) and its escaped directory.
public struct CatalogPartition: Sendable, Hashable {
    public var values: [String?]
    /// Relative directory under the table location, e.g. `source=web/year=2021`.
    public var directory: String

    public init(values: [String?], directory: String) {
        self.values = values
        self.directory = directory
    }
}

/// The generated files: name → contents.
public struct CatalogArtifacts: Sendable {
    public var files: [(name: String, contents: String)] = []
    /// Names Athena may have trouble with, and other things worth telling the user.
    public var notes: [String] = []
}

/// Builds Athena DDL and Glue API JSON for a table and its partitions. Pure: no network, no files.
public enum CatalogGenerator {
    public static let hiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__"
    /// Athena's query string limit, in bytes.
    public static let athenaQueryLimit = 262_144
    /// `BatchCreatePartition` accepts at most 100 partitions per call.
    public static let gluePartitionBatch = 100

    public static let inputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    public static let outputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    public static let serde = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"

    /// Every artifact for a table, its partitions, and (on append) the columns it gained.
    public static func artifacts(
        _ table: CatalogTable, partitions: [CatalogPartition], projection requested: Bool, addedColumns: [Field] = [], now: Date = Date()
    ) -> CatalogArtifacts {
        var out = CatalogArtifacts()
        // With projection on, Athena ignores registered partitions: a partition projection
        // cannot address would hold rows no query sees. Then the table is written without it.
        var projection = requested
        if requested, let problem = projectionProblem(table, partitions: partitions, now: now) {
            projection = false
            out.notes.append("projection: not enabled, because \(problem); Athena would not see those rows with projection on. Register the partitions with the add-partitions files (written) or the Glue partition files")
        }
        out.notes += nameNotes(table, projection: projection)
        out.files.append(("create-table.sql", createTableSQL(table, projection: projection)))
        // An unpartitioned table has no partitions to register (`PARTITION ()` is a syntax error).
        let partitions = table.partitionKeys.isEmpty ? [] : partitions
        for (i, statement) in addPartitionStatements(table, partitions: partitions).enumerated() {
            out.files.append((numbered("add-partitions", i, "sql"), statement))
        }
        out.files.append(("glue-table.json", json(tableInput(table, projection: projection))))
        let inputs = partitions.map { partitionInput(table, $0) }
        for (i, start) in stride(from: 0, to: inputs.count, by: gluePartitionBatch).enumerated() {
            out.files.append((numbered("glue-partitions", i, "json"), json(Array(inputs[start..<min(start + gluePartitionBatch, inputs.count)]))))
        }
        if !addedColumns.isEmpty {
            out.files.append(("alter-table-add-columns.sql", alterTableAddColumnsSQL(table, addedColumns)))
            out.files.append(("glue-update-table.json", json(tableInput(table, projection: projection))))
        }
        return out
    }

    static func numbered(_ stem: String, _ index: Int, _ ext: String) -> String {
        let n = String(index + 1)
        return "\(stem)-\(String(repeating: "0", count: max(0, 4 - n.count)) + n).\(ext)"
    }

    /// Why partition projection cannot address every partition (nil: it can): an enum value with
    /// a comma or a byte Hive escapes in paths (the location template substitutes the raw value),
    /// a default partition (`__HIVE_DEFAULT_PARTITION__`) under an integer or date projection, or
    /// a date after `now` (a date projection's range ends at NOW).
    static func projectionProblem(_ table: CatalogTable, partitions: [CatalogPartition], now: Date) -> String? {
        for (k, key) in table.partitionKeys.enumerated() {
            let values = partitions.map { k < $0.values.count ? $0.values[k] : nil }
            switch key.projection {
            case .enumeration(let listed):
                if let awkward = listed.first(where: { $0.contains(",") || $0.utf8.contains { $0 < 0x20 || $0 == 0x7F || Array("\"#%'*/:=?\\{[]^".utf8).contains($0) } }) {
                    return "the value '\(awkward)' of '\(key.name)' contains a comma or needs escaping in paths"
                }
            case .integer:
                if values.contains(where: { $0 == nil }) { return "'\(key.name)' has a default partition (\(CatalogGenerator.hiveDefaultPartition))" }
            case .date(_, let format, _):
                if values.contains(where: { $0 == nil }) { return "'\(key.name)' has a default partition (\(CatalogGenerator.hiveDefaultPartition))" }
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = TimeZone(identifier: "UTC")
                formatter.dateFormat = format
                let today = formatter.string(from: now)
                if let future = values.compactMap({ $0 }).first(where: { $0 > today }) {
                    return "'\(key.name)' has the partition \(future), after the projection's range (which ends now, \(today) UTC)"
                }
            }
        }
        return nil
    }

    static func nameNotes(_ table: CatalogTable, projection: Bool) -> [String] {
        var notes: [String] = []
        for field in table.columns {
            if field.name != field.name.lowercased() { notes.append("column '\(field.name)' is '\(field.name.lowercased())' in Athena and Glue (they lower-case names)") }
            if let problem = Identifier.problem(field.name) { notes.append("column '\(field.name)' \(problem)") }
            structFieldNotes(field.type, path: field.name, into: &notes)
        }
        return notes
    }

    /// Struct field names Hive's type strings cannot hold: the metastore parses `struct<…>` with
    /// `:`, `,`, `<` and `>` as syntax and no quoting (Glue, Athena and Spark refuse the table).
    static func structFieldNotes(_ type: DataType, path: String, into notes: inout [String]) {
        switch type {
        case .struct(let fields):
            for field in fields {
                let name = path + "." + field.name
                if field.name.contains(where: { ":,<>`".contains($0) }) {
                    notes.append("struct field '\(name)' holds one of : , < > ` which a Hive type string cannot express: Glue, Athena and Spark will refuse the table; rename the key (or give the field the json type with --schema)")
                }
                structFieldNotes(field.type, path: name, into: &notes)
            }
        case .list(let element): structFieldNotes(element.type, path: path + "[]", into: &notes)
        case .map(let key, let value):
            structFieldNotes(key.type, path: path + "{key}", into: &notes)
            structFieldNotes(value.type, path: path + "{value}", into: &notes)
        default: break
        }
    }

    // MARK: Athena DDL

    public static func createTableSQL(_ table: CatalogTable, projection: Bool) -> String {
        var sql = "CREATE EXTERNAL TABLE IF NOT EXISTS \(table.qualifiedName) (\n"
        sql += table.columns.map { "  \(Identifier.backticked($0.name.lowercased())) \(HiveType.name($0.type))" }.joined(separator: ",\n")
        sql += "\n)\n"
        if !table.partitionKeys.isEmpty {
            sql += "PARTITIONED BY (\n"
            sql += table.partitionKeys.map { "  \(Identifier.backticked($0.name.lowercased())) \($0.type)" }.joined(separator: ",\n")
            sql += "\n)\n"
        }
        sql += "STORED AS PARQUET\n"
        sql += "LOCATION \(SQLString.literal(table.location))\n"
        let properties = tableProperties(table, projection: projection).map { "  \(SQLString.literal($0.0))=\(SQLString.literal($0.1))" }
        sql += "TBLPROPERTIES (\n" + properties.joined(separator: ",\n") + "\n)"
        return sql + "\n"
    }

    static func tableProperties(_ table: CatalogTable, projection: Bool) -> [(String, String)] {
        var properties: [(String, String)] = [
            ("classification", "parquet"), ("parquet.compression", table.compression), ("typeOfData", "file"),
        ]
        for (column, buckets) in table.hashPartitioning {
            // The buckets are directories (a partition key), not Hive bucket files, so no CLUSTERED BY.
            properties.append(("lakeconv.hash_partitioning", "bucket=pmod(spark_murmur3_x86_32(\(column), seed 42), \(buckets))"))
            properties.append(("bucketing_format", "spark"))
        }
        guard projection, !table.partitionKeys.isEmpty else { return properties }
        properties.append(("projection.enabled", "true"))
        for key in table.partitionKeys {
            let prefix = "projection.\(key.name.lowercased())"
            switch key.projection {
            case .enumeration(let values):
                properties.append(("\(prefix).type", "enum"))
                properties.append(("\(prefix).values", values.joined(separator: ",")))
            case .integer(let min, let max, let digits):
                properties.append(("\(prefix).type", "integer"))
                properties.append(("\(prefix).range", "\(min),\(max)"))
                if digits > 0 { properties.append(("\(prefix).digits", "\(digits)")) }
            case .date(let start, let format, let unit):
                properties.append(("\(prefix).type", "date"))
                properties.append(("\(prefix).range", "\(start),NOW"))
                properties.append(("\(prefix).format", format))
                properties.append(("\(prefix).interval", "1"))
                properties.append(("\(prefix).interval.unit", unit))
            }
        }
        let template = table.partitionKeys.map { "\($0.name)=${\($0.name.lowercased())}" }.joined(separator: "/")
        properties.append(("storage.location.template", table.location + template + "/"))
        return properties
    }

    /// `ALTER TABLE … ADD IF NOT EXISTS PARTITION (…) LOCATION '…' …`, one statement per file,
    /// each under Athena's query limit.
    public static func addPartitionStatements(_ table: CatalogTable, partitions: [CatalogPartition]) -> [String] {
        let head = "ALTER TABLE \(table.qualifiedName) ADD IF NOT EXISTS\n"
        var statements: [String] = []
        var current = head
        var count = 0
        for partition in partitions {
            let spec = zip(table.partitionKeys, partition.values).map { key, value in
                "\(Identifier.backticked(key.name.lowercased()))=\(valueLiteral(value, type: key.type))"
            }.joined(separator: ", ")
            let clause = "  PARTITION (\(spec)) LOCATION \(SQLString.literal(table.location + partition.directory + "/"))\n"
            if count > 0 && current.utf8.count + clause.utf8.count + 2 > athenaQueryLimit {
                statements.append(current.dropLast() + ";\n")
                current = head
                count = 0
            }
            current += clause
            count += 1
        }
        if count > 0 { statements.append(current.dropLast() + ";\n") }
        return statements
    }

    /// A partition value in a PARTITION clause: integers bare for numeric keys, strings quoted.
    static func valueLiteral(_ value: String?, type: String) -> String {
        guard let value else { return SQLString.literal(hiveDefaultPartition) }
        if ["int", "bigint", "smallint", "tinyint"].contains(type), let n = Int(value) { return String(n) }
        return SQLString.literal(value)
    }

    public static func alterTableAddColumnsSQL(_ table: CatalogTable, _ added: [Field]) -> String {
        "ALTER TABLE \(table.qualifiedName) ADD COLUMNS (\n"
            + added.map { "  \(Identifier.backticked($0.name.lowercased())) \(HiveType.name($0.type))" }.joined(separator: ",\n") + "\n);\n"
    }

    // MARK: Glue API

    /// Glue `TableInput` (for `aws glue create-table --table-input` and `update-table`).
    public struct TableInput: Encodable, Sendable {
        public var Name: String
        public var TableType = "EXTERNAL_TABLE"
        public var Parameters: [String: String]
        public var PartitionKeys: [Column]
        public var StorageDescriptor: StorageDescriptorInput
    }

    public struct Column: Encodable, Sendable, Hashable {
        public var Name: String
        public var `Type`: String
    }

    public struct StorageDescriptorInput: Encodable, Sendable {
        public var Columns: [Column]?
        public var Location: String
        public var InputFormat = CatalogGenerator.inputFormat
        public var OutputFormat = CatalogGenerator.outputFormat
        public var Compressed = false
        public var NumberOfBuckets = -1
        public var SerdeInfo = SerDe()
        public var StoredAsSubDirectories = false
        public var Parameters: [String: String] = ["classification": "parquet"]
    }

    public struct SerDe: Encodable, Sendable {
        public var SerializationLibrary = CatalogGenerator.serde
        public var Parameters = ["serialization.format": "1"]
    }

    /// Glue `PartitionInput` (a list of them for `aws glue batch-create-partition --partition-input-list`).
    public struct PartitionInput: Encodable, Sendable {
        public var Values: [String]
        public var StorageDescriptor: StorageDescriptorInput
        public var Parameters: [String: String] = [:]
    }

    public static func tableInput(_ table: CatalogTable, projection: Bool) -> TableInput {
        var parameters: [String: String] = ["EXTERNAL": "TRUE"]
        for (key, value) in tableProperties(table, projection: projection) { parameters[key] = value }
        return TableInput(
            Name: table.name, Parameters: parameters,
            PartitionKeys: table.partitionKeys.map { Column(Name: $0.name.lowercased(), Type: $0.type) },
            StorageDescriptor: StorageDescriptorInput(
                Columns: table.columns.map { Column(Name: $0.name.lowercased(), Type: HiveType.name($0.type)) }, Location: table.location))
    }

    public static func partitionInput(_ table: CatalogTable, _ partition: CatalogPartition) -> PartitionInput {
        PartitionInput(
            Values: zip(table.partitionKeys, partition.values).map { key, value in
                guard let value else { return hiveDefaultPartition }
                // Integer keys get the canonical number, as in the ADD PARTITION statements ("06" → "6").
                if ["int", "bigint", "smallint", "tinyint"].contains(key.type), let n = Int(value) { return String(n) }
                return value
            },
            StorageDescriptor: StorageDescriptorInput(
                Columns: table.columns.map { Column(Name: $0.name.lowercased(), Type: HiveType.name($0.type)) },
                Location: table.location + partition.directory + "/"))
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
