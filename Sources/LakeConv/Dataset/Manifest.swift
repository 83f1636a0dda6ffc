import LakeJSON
import LakeCatalog
import LakeParquet

/// The `_SUCCESS` manifest of a dataset run: what was written, from what, with which counts.
///
///     {"lakeconv_version": "0.1.0", "run_id": "…", "mode": "error", "partition_by": ["source", …],
///      "rows_written": N, "bad_records": N, "blank_lines": N, "lines_read": N,
///      "inputs": [{"path", "lines_read", "rows_written", "bad_records", "blank_lines"}],
///      "schema": [{"name", "type", "athena"}], "partition_keys": [{"name", "athena"}],
///      "files": [{"path": "source=web/part-00000-RUN.parquet", "partition": {"source": "web"},
///                 "rows": N, "bytes": N,
///                 "columns": {"device.screen.w": {"null_count": N, "min": 320, "max": 2560},
///                             "tags[]": {"null_count": N, …}, …}}],
///      "schema_notes": [...], "bad_records_path": "…" | null}
///
/// Partition values are the decoded values (not the escaped directory names); null is `null`.
/// Column statistics are merged over the file's row groups; timestamps and dates are ISO-8601
/// text, byte arrays UTF-8 text, other binary columns have null counts only.
enum Manifest {
    /// The entries of a manifest's file list as written (their JSON text), with each file's path
    /// and directory relative to the dataset root.
    static func fileEntries(of path: String) throws(ConversionError) -> [(path: String, directory: String, text: String)] {
        let bytes = try FileSystem.readAll(path)
        var parser = JSONParser(limits: JSONLimits(maxDepth: 64))
        var result: Result<[(path: String, directory: String, text: String)], ConversionError> = .success([])
        bytes.withUnsafeBytes { raw in
            do throws(JSONError) { try parser.parse(raw) } catch {
                result = .failure(ConversionError(.input, "the dataset's manifest is not valid JSON: \(error)", file: path))
                return
            }
            let tape = parser.tape
            guard tape.tokens.first?.kind == .objectStart else { return }
            func text(_ i: Int) -> String { tape.withText(of: i, source: raw) { String(decoding: $0, as: UTF8.self) } }
            var i = 1
            while i < Int(tape.tokens[0].payload) {
                let value = i + 1
                if text(i) == "files" && tape.tokens[value].kind == .arrayStart {
                    var entries: [(path: String, directory: String, text: String)] = []
                    var e = value + 1
                    while e < Int(tape.tokens[value].payload) {
                        if tape.tokens[e].kind == .objectStart {
                            let end = Int(tape.tokens[e].payload)
                            let entryText = String(decoding: raw[Int(tape.tokens[e].start)..<Int(tape.tokens[end].end)], as: UTF8.self)
                            var m = e + 1
                            while m < end {
                                if text(m) == "path" && tape.tokens[m + 1].kind == .string {
                                    let p = text(m + 1)
                                    let directory = p.contains("/") ? String(p[..<p.lastIndex(of: "/")!]) : ""
                                    entries.append((p, directory, entryText))
                                }
                                m = tape.next(after: m + 1)
                            }
                        }
                        e = tape.next(after: e)
                    }
                    result = .success(entries)
                    return
                }
                i = tape.next(after: value)
            }
        }
        return try result.get()
    }

    /// `_SUCCESS` up to the file list, and after it (the entries are streamed in between).
    static func frame(
        runID: String, mode: DatasetMode, specs: [PartitionSpec], layout: DateLayout, timeZone: PartitionTimeZone, schema: Schema,
        report: ConversionReport, compression: String
    ) -> (header: String, footer: String) {
        let inputs = report.inputs.map {
            JSONText.object([
                ("path", JSONText.quote($0.path)), ("lines_read", "\($0.linesRead)"), ("rows_written", "\($0.rowsWritten)"),
                ("bad_records", "\($0.badRecords)"), ("blank_lines", "\($0.blankLines)"),
            ])
        }
        let schemaJSON = schema.fields.map {
            JSONText.object([
                ("name", JSONText.quote($0.name)), ("type", JSONText.quote(SchemaText.typeName($0.type))),
                ("athena", JSONText.quote(HiveType.name($0.type))),
            ])
        }
        let keys = specs.flatMap { spec in spec.keys(layout: layout).map { (spec, $0) } }.map { spec, key in
            let athena: String = switch spec {
            case .hash: "int"
            case .date: "string"
            case .category(let column): HiveType.name(report.schema.first { $0.name == column }?.type ?? .string)
            }
            return JSONText.object([("name", JSONText.quote(key)), ("athena", JSONText.quote(athena))])
        }
        let fields = JSONText.object([
            ("lakeconv_version", JSONText.quote(LakeParquetVersion.string)), ("run_id", JSONText.quote(runID)),
            ("mode", JSONText.quote(mode.rawValue)), ("partition_by", JSONText.array(specs.map { JSONText.quote($0.description) })),
            ("rows_written", "\(report.rowsWritten)"), ("bad_records", "\(report.badRecords)"),
            ("blank_lines", "\(report.blankLines)"), ("lines_read", "\(report.linesRead)"),
            ("inputs", JSONText.array(inputs)), ("schema", JSONText.array(schemaJSON)), ("partition_keys", JSONText.array(keys)),
            ("schema_notes", JSONText.array(report.schemaNotes.map(JSONText.quote))),
            ("bad_records_path", report.badRecordsPath.map(JSONText.quote) ?? "null"),
            ("compression", JSONText.quote(compression)),
            ("date_layout", JSONText.quote({ if case .single(let key) = layout { key } else { "nested" } }())),
            ("date_timezone", JSONText.quote(timeZone.text)),
            ("category_types", JSONText.object(specs.compactMap { spec -> (String, String)? in
                guard case .category(let column) = spec, let field = report.schema.first(where: { $0.name == column }) else { return nil }
                return (column, JSONText.quote(SchemaText.typeName(field.type)))
            })),
        ])
        // The object without its closing brace, then the file list, then the brace.
        return (String(fields.dropLast()) + ", \"files\": [\n", "\n]}\n")
    }

    /// One file's manifest entry.
    static func entry(_ file: DatasetWriter.WrittenFile, partition: PartitionKeyer.Partition, metadata: FileMetaData, schema: Schema) -> String {
        let values = JSONText.object(partition.values.map { ($0.0, $0.1.map(JSONText.quote) ?? "null") })
        return JSONText.object([
            ("path", JSONText.quote(file.relativePath)), ("partition", values), ("rows", "\(file.rows)"),
            ("bytes", "\(file.bytes)"), ("columns", columnStatistics(metadata, schema: schema)),
        ])
    }

    private enum Bound: Comparable {
        case integer(Int64)
        case unsigned(UInt64)
        case real(Double)
        case text([UInt8])

        static func < (a: Bound, b: Bound) -> Bool {
            switch (a, b) {
            case (.integer(let x), .integer(let y)): x < y
            case (.unsigned(let x), .unsigned(let y)): x < y
            case (.real(let x), .real(let y)): x < y
            case (.text(let x), .text(let y)): x.lexicographicallyPrecedes(y)
            default: false
            }
        }
    }

    private static func decode(_ bytes: [UInt8], _ column: ColumnDescriptor) -> Bound? {
        func le<T: FixedWidthInteger>(_ type: T.Type) -> T? {
            guard bytes.count == MemoryLayout<T>.size else { return nil }
            return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
        }
        switch column.physicalType {
        case .boolean: return bytes.first.map { .integer(Int64($0)) }
        case .int32:
            if column.isUnsigned { return le(UInt32.self).map { .unsigned(UInt64($0)) } }
            return le(Int32.self).map { .integer(Int64($0)) }
        case .int64:
            if column.isUnsigned { return le(UInt64.self).map { .unsigned($0) } }
            return le(Int64.self).map { .integer($0) }
        case .float: return le(UInt32.self).map { .real(Double(Float(bitPattern: $0))) }
        case .double: return le(UInt64.self).map { .real(Double(bitPattern: $0)) }
        case .byteArray:
            if case .binary = column.dataType { return nil }
            return .text(bytes)
        case .int96, .fixedLenByteArray: return nil
        }
    }

    private static func render(_ bound: Bound, _ column: ColumnDescriptor) -> String {
        switch bound {
        case .integer(let v):
            switch column.dataType {
            case .boolean: return v == 0 ? "false" : "true"
            case .date: return JSONText.quote(isoDate(days: v))
            case .timestamp(let unit, _):
                let perSecond: Int64 = unit == .millis ? 1_000 : unit == .micros ? 1_000_000 : 1_000_000_000
                return JSONText.quote(isoTimestamp(v, perSecond: perSecond))
            default: return "\(v)"
            }
        case .unsigned(let v): return "\(v)"
        case .real(let v): return v.isFinite ? "\(v)" : "null"
        case .text(let b): return JSONText.quote(String(decoding: b, as: UTF8.self))
        }
    }

    static func isoDate(days: Int64) -> String {
        let c = PartitionKeyer.civil(fromDays: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(PartitionKeyer.yearText(c.year))-\(two(c.month))-\(two(c.day))"
    }

    static func isoTimestamp(_ value: Int64, perSecond: Int64) -> String {
        let seconds = value >= 0 ? value / perSecond : (value - perSecond + 1) / perSecond
        let fraction = value - seconds * perSecond
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let digits = String(perSecond).count - 1
        let fractionText = String(fraction)
        return isoDate(days: days) + "T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))."
            + String(repeating: "0", count: digits - fractionText.count) + fractionText + "Z"
    }

    /// A leaf's name in `columns`: its field names, with `[]` after a list (`tags[]`,
    /// `pts[].x`). A list's leaf counts null and empty lists and null elements as nulls
    /// (Parquet's count for the leaf), so it is not named like the list itself.
    static func statisticsName(_ path: [String]) -> String {
        var names: [String] = []
        var i = 0
        while i < path.count {
            if path[i] == "list" && i + 1 < path.count && path[i + 1] == "element" && !names.isEmpty {
                names[names.count - 1] += "[]"
                i += 2
                continue
            }
            if path[i] == "key_value" && !names.isEmpty {
                names[names.count - 1] += "{}"
                i += 1
                continue
            }
            names.append(quotedName(path[i]))
            i += 1
        }
        return names.joined(separator: ".")
    }

    /// A field name as a segment of a statistics name: as it is, or, when it holds a character
    /// the name syntax uses (`.` `[` `]` `{` `}` or a backtick), in backticks with backticks
    /// doubled (as Spark and Athena quote identifiers), so a top-level field `a.b` (`` `a.b` ``)
    /// and field `b` of struct `a` (`a.b`) do not share one key.
    static func quotedName(_ name: String) -> String {
        guard name.contains(where: { ".[]{}`".contains($0) }) else { return name }
        return "`" + name.map { $0 == "`" ? "``" : String($0) }.joined() + "`"
    }

    private static func columnStatistics(_ metadata: FileMetaData, schema: Schema) -> String {
        var pairs: [(String, String)] = []
        for (index, column) in schema.columns.enumerated() {
            var nulls: Int64 = 0
            var low: Bound?
            var high: Bound?
            for group in metadata.rowGroups {
                guard let stats = group.columns[index].metaData.statistics else { continue }
                nulls += stats.nullCount ?? 0
                if let bytes = stats.minValue, let v = decode(bytes, column) { low = low.map { Swift.min($0, v) } ?? v }
                if let bytes = stats.maxValue, let v = decode(bytes, column) { high = high.map { Swift.max($0, v) } ?? v }
            }
            var entry: [(String, String)] = [("null_count", "\(nulls)")]
            if let low, let high {
                entry.append(("min", render(low, column)))
                entry.append(("max", render(high, column)))
            }
            pairs.append((statisticsName(column.path), JSONText.object(entry)))
        }
        return JSONText.object(pairs)
    }
}
