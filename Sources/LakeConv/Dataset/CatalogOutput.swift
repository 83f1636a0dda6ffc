#if canImport(Glibc)
import Glibc
#endif
import LakeCatalog
import LakeJSON
import LakeParquet

/// Where and how to emit the catalog side (`--table`, `--location`, `--catalog-out`, `--projection`).
public struct CatalogOptions: Sendable {
    /// `database.table`.
    public var table: String
    /// `s3://bucket/prefix/` where the dataset will live.
    public var location: String
    /// Folder that receives create-table.sql, add-partitions-NNNN.sql, glue-*.json.
    public var outputFolder: String
    public var projection = false

    public init(table: String, location: String, outputFolder: String) {
        self.table = table
        self.location = location
        self.outputFolder = outputFolder
    }

    func split() throws(ConversionError) -> (database: String, name: String) {
        let parts = table.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ConversionError(.usage, "--table must be DATABASE.TABLE, got '\(table)'")
        }
        return (String(parts[0]), String(parts[1]))
    }
}

/// What the catalog needs to know of a written dataset; built from a run or read from `_SUCCESS`.
public struct DatasetDescription: Sendable {
    public var fields: [Field]
    public var specs: [PartitionSpec]
    public var layout: DateLayout
    /// `--timezone` of the date directories (nil in manifests written before it was recorded).
    public var timeZone: PartitionTimeZone? = nil
    /// Types of the columns category partitions come from.
    public var categoryTypes: [String: DataType]
    public var compression: String
    /// Each partition's directory and decoded values (in partition-key order).
    public var partitions: [CatalogPartition]
    /// Columns this run added to an existing dataset (append).
    public var addedColumns: [Field] = []

    /// The catalog table for this dataset.
    func table(_ options: CatalogOptions) throws(ConversionError) -> CatalogTable {
        let (database, name) = try options.split()
        if let problem = Self.uuidProblem(fields) { throw ConversionError(.usage, problem) }
        var keys: [PartitionKey] = []
        var position = 0
        for spec in specs {
            for key in spec.keys(layout: layout) {
                let values = partitions.map { $0.values.count > position ? $0.values[position] : nil }
                keys.append(partitionKey(spec, key, values))
                position += 1
            }
        }
        guard options.location.hasPrefix("s3://") || options.location.hasPrefix("file:") || options.location.hasPrefix("/") else {
            throw ConversionError(.usage, "--location should be s3://bucket/prefix/ (got '\(options.location)')")
        }
        // A partition column kept in the files (--keep-partition-columns) is declared once, as a
        // partition key: Hive, Glue and Spark refuse a table whose column is also a partition key.
        let keyNames = Set(keys.map { $0.name.lowercased() })
        return CatalogTable(
            database: database, name: name, location: options.location, columns: fields.filter { !keyNames.contains($0.name.lowercased()) },
            partitionKeys: keys,
            compression: compression,
            hashPartitioning: specs.compactMap { if case .hash(let c, let n) = $0 { (c, n) } else { nil } })
    }

    private func partitionKey(_ spec: PartitionSpec, _ key: String, _ values: [String?]) -> PartitionKey {
        switch spec {
        case .category(let column):
            let distinct = Array(Set(values.map { $0 ?? CatalogGenerator.hiveDefaultPartition })).sorted()
            // The directory holds the value's text as written: a Hive type that reads that text
            // back. A timestamp's ISO-8601 text (with 'T' and an offset) is not Hive's timestamp
            // form, so such a key is a string.
            let type: DataType = switch categoryTypes[column] ?? .string {
            case .boolean, .int8, .int16, .int32, .int64, .double, .date, .decimal: categoryTypes[column]!
            default: .string
            }
            return PartitionKey(name: key, type: HiveType.name(type), projection: .enumeration(distinct))
        case .hash(_, let buckets):
            return PartitionKey(name: key, type: "int", projection: .integer(min: 0, max: buckets - 1, digits: max(2, String(buckets - 1).count)))
        case .date(_, let grain):
            switch layout {
            case .single:
                let (format, unit) = switch grain {
                case .year: ("yyyy", "YEARS")
                case .month: ("yyyy-MM", "MONTHS")
                case .day: ("yyyy-MM-dd", "DAYS")
                case .hour: ("yyyy-MM-dd-HH", "HOURS")
                }
                let start = values.compactMap { $0 }.min() ?? "1970-01-01"
                return PartitionKey(name: key, type: "string", projection: .date(start: start, format: format, unit: unit))
            case .nested:
                switch key {
                case "year":
                    let years = values.compactMap { $0.flatMap { Int($0) } }
                    return PartitionKey(name: key, type: "string", projection: .integer(min: years.min() ?? 1970, max: years.max() ?? 1970, digits: 4))
                case "month": return PartitionKey(name: key, type: "string", projection: .integer(min: 1, max: 12, digits: 2))
                case "day": return PartitionKey(name: key, type: "string", projection: .integer(min: 1, max: 31, digits: 2))
                default: return PartitionKey(name: key, type: "string", projection: .integer(min: 0, max: 23, digits: 2))
                }
            }
        }
    }

    /// Writes every artifact into the catalog folder; returns notes for the user.
    public func emit(_ options: CatalogOptions) throws(ConversionError) -> [String] {
        let table = try table(options)
        let artifacts = CatalogGenerator.artifacts(table, partitions: partitions, projection: options.projection, addedColumns: addedColumns)
        try FileSystem.makeDirectories(options.outputFolder)
        for (name, contents) in artifacts.files {
            try FileSystem.writeAtomically(contents, to: options.outputFolder + "/" + name)
        }
        return artifacts.notes
    }
}

extension DatasetDescription {
    /// Reads a dataset's `_SUCCESS` manifest (or the folder holding it).
    public static func load(manifest path: String) throws(ConversionError) -> DatasetDescription {
        let file = FileSystem.isDirectory(path) ? path + "/_SUCCESS" : path
        // A publish a killed run left half done is finished or undone first (as the next run on
        // the dataset would), unless a run is writing the dataset now: then its last `_SUCCESS`.
        if FileSystem.isDirectory(path) {
            let root = DatasetWriter.rootPath(path)
            if let lock = try? DatasetLock(root: root) {
                try withExtendedLifetime(lock) { () throws(ConversionError) in try DatasetWriter.recover(root: root) }
            }
        }
        if !FileSystem.isDirectory(path) && path.hasSuffix(".parquet") {
            throw ConversionError(.usage, "this is a Parquet file; give the dataset folder lakeconv wrote (it holds the _SUCCESS manifest), or its _SUCCESS file", file: path)
        }
        guard FileSystem.exists(file) else {
            throw ConversionError(.input, "no _SUCCESS manifest (was the dataset written by lakeconv, and did the run complete?)", file: file)
        }
        let text = String(decoding: try FileSystem.readAll(file), as: UTF8.self)
        var parser = JSONParser(limits: JSONLimits(maxDepth: 64))
        var result: Result<DatasetDescription, ConversionError> = .failure(ConversionError(.input, "unreadable manifest", file: file))
        Array(text.utf8).withUnsafeBytes { raw in
            do throws(ConversionError) {
                do { try parser.parse(raw) } catch { throw ConversionError(.input, "manifest is not valid JSON: \(error)", file: file) }
                result = .success(try decode(parser.tape, raw, file: file))
            } catch { result = .failure(error) }
        }
        return try result.get()
    }

    private static func decode(_ tape: JSONTape, _ raw: UnsafeRawBufferPointer, file: String) throws(ConversionError) -> DatasetDescription {
        func fail(_ why: String) -> ConversionError { ConversionError(.input, "manifest: \(why)", file: file) }
        func text(_ i: Int) -> String { tape.withText(of: i, source: raw) { String(decoding: $0, as: UTF8.self) } }
        func members(_ object: Int) -> [(String, Int)] {
            var out: [(String, Int)] = []
            var i = object + 1
            while i < Int(tape.tokens[object].payload) {
                out.append((text(i), i + 1))
                i = tape.next(after: i + 1)
            }
            return out
        }
        func elements(_ array: Int) -> [Int] {
            var out: [Int] = []
            var i = array + 1
            while i < Int(tape.tokens[array].payload) {
                out.append(i)
                i = tape.next(after: i)
            }
            return out
        }
        guard tape.tokens[0].kind == .objectStart else { throw fail("not an object") }
        let top = Dictionary(members(0), uniquingKeysWith: { $1 })
        guard let schemaIndex = top["schema"], let filesIndex = top["files"], let specsIndex = top["partition_by"] else {
            throw fail("missing schema, files or partition_by")
        }
        var fields: [Field] = []
        for element in elements(schemaIndex) {
            let m = Dictionary(members(element), uniquingKeysWith: { $1 })
            guard let n = m["name"], let t = m["type"] else { throw fail("a schema entry lacks name or type") }
            fields.append(Field(text(n), try SchemaText.parseType(text(t))))
        }
        let specs = try elements(specsIndex).map { i throws(ConversionError) in try PartitionSpec(parsing: text(i)) }
        var layout = DateLayout.nested
        if let l = top["date_layout"], tape.tokens[l].kind == .string, text(l) != "nested" { layout = .single(key: text(l)) }
        var categoryTypes: [String: DataType] = [:]
        if let c = top["category_types"] {
            for (name, t) in members(c) { categoryTypes[name] = try SchemaText.parseType(text(t)) }
        }
        let compression = top["compression"].map(text) ?? "SNAPPY"
        let keys = specs.flatMap { $0.keys(layout: layout) }
        var partitions: [CatalogPartition] = []
        var seen = Set<String>()
        for element in elements(filesIndex) {
            let m = Dictionary(members(element), uniquingKeysWith: { $1 })
            guard let p = m["path"] else { throw fail("a file entry lacks path") }
            let path = text(p)
            let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : ""
            guard seen.insert(directory).inserted else { continue }
            var values: [String: String?] = [:]
            if let partition = m["partition"] {
                for (k, v) in members(partition) { values[k] = tape.tokens[v].kind == .null ? String?.none : text(v) }
            }
            partitions.append(CatalogPartition(values: keys.map { values[$0] ?? nil }, directory: directory))
        }
        var description = DatasetDescription(fields: fields, specs: specs, layout: layout, categoryTypes: categoryTypes, compression: compression, partitions: partitions)
        if let z = top["date_timezone"], tape.tokens[z].kind == .string { description.timeZone = try PartitionTimeZone(parsing: text(z)) }
        return description
    }
}

extension DatasetDescription {
    /// Why a table with these columns cannot be registered, if one is a UUID (at any depth):
    /// Glue/Hive tables have no UUID type, and Athena and Spark fail on Parquet UUID columns.
    static func uuidProblem(_ fields: [Field]) -> String? {
        func holdsUUID(_ type: DataType) -> Bool {
            switch type {
            case .uuid: true
            case .struct(let fields): fields.contains { holdsUUID($0.type) }
            case .list(let element): holdsUUID(element.type)
            case .map(let key, let value): holdsUUID(key.type) || holdsUUID(value.type)
            default: false
            }
        }
        guard let field = fields.first(where: { holdsUUID($0.type) }) else { return nil }
        return "column '\(field.name)' holds the Parquet UUID type, which Glue/Hive tables cannot declare and Athena and Spark cannot read; "
            + "write it as a string (without --infer-uuid, or as string in --schema) to register the table"
    }
}
