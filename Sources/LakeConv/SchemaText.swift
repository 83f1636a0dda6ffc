#if canImport(Glibc)
import Glibc
#endif
import LakeCatalog
import LakeJSON
import LakeParquet

/// The schema file format shared by `lakeconv infer-schema` (which prints it) and `--schema`
/// (which reads it):
///
///     {"fields": [
///       {"name": "event_time", "type": "timestamp", "athena": "timestamp", ...statistics...},
///       {"name": "device", "type": "struct<os:string,screen:struct<w:bigint,h:bigint>>", ...}
///     ]}
///
/// `type` uses Hive/Athena syntax plus lakeconv's own leaf names: `boolean`, `bigint`, `double`,
/// `string`, `json` (a string column holding JSON text), `date`, `timestamp` (milliseconds, UTC),
/// `timestamp_us` (microseconds, UTC), `uuid` (16 bytes, the Parquet UUID type; from canonical
/// 8-4-4-4-12 text; Athena, Glue and Spark cannot read it), `decimal(p,s)`, `array<T>`, `struct<name:T,...>`,
/// `map<K,V>`. Names that are not plain identifiers are written in backticks. Every other
/// member of a field object (`athena`, statistics) is informational and ignored on reading.
public enum SchemaText {
    /// lakeconv's type name for `type`.
    public static func typeName(_ type: DataType) -> String {
        switch type {
        case .boolean: "boolean"
        case .int8: "tinyint"
        case .int16: "smallint"
        case .int32: "int"
        case .int64: "bigint"
        case .uint8, .uint16, .uint32, .uint64: "bigint"
        case .float: "float"
        case .double: "double"
        case .string: "string"
        case .uuid: "uuid"
        case .binary, .fixedBinary: "binary"
        case .json: "json"
        case .date: "date"
        case .timestamp(let unit, _): unit == .millis ? "timestamp" : "timestamp_us"
        case .int96Timestamp: "timestamp"
        case .decimal(let p, let s): "decimal(\(p),\(s))"
        case .struct(let fields): "struct<" + fields.map { "\(identifier($0.name)):\(typeName($0.type))" }.joined(separator: ",") + ">"
        case .list(let element): "array<\(typeName(element.type))>"
        case .map(let key, let value): "map<\(typeName(key.type)),\(typeName(value.type))>"
        }
    }

    static func identifier(_ name: String) -> String {
        Identifier.isPlain(name) ? name : Identifier.backticked(name)
    }

    /// Parses a type string.
    public static func parseType(_ text: String) throws(ConversionError) -> DataType {
        var p = TypeParser(bytes: Array(text.utf8))
        let type = try p.parseType()
        p.skipSpaces()
        guard p.i == p.bytes.count else { throw p.error("unexpected text after the type") }
        return type
    }

    struct TypeParser {
        let bytes: [UInt8]
        var i = 0

        func error(_ message: String) -> ConversionError {
            ConversionError(.usage, "schema type '\(String(decoding: bytes, as: UTF8.self))': \(message) at character \(i + 1)")
        }

        mutating func skipSpaces() { while i < bytes.count && bytes[i] == 0x20 { i += 1 } }

        mutating func expect(_ c: Character) throws(ConversionError) {
            skipSpaces()
            guard i < bytes.count, bytes[i] == c.asciiValue! else { throw error("expected '\(c)'") }
            i += 1
        }

        mutating func word() -> String {
            skipSpaces()
            let start = i
            while i < bytes.count, case let c = bytes[i], (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 95 { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        mutating func name() throws(ConversionError) -> String {
            skipSpaces()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "`") else { return word() }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "`") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "`") {
                        out.append(bytes[i])
                        i += 2
                        continue
                    }
                    i += 1
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(bytes[i])
                i += 1
            }
            throw error("unterminated `name`")
        }

        mutating func number() throws(ConversionError) -> Int {
            guard let n = Int(word()) else { throw error("expected a number") }
            return n
        }

        mutating func parseType() throws(ConversionError) -> DataType {
            let w = word().lowercased()
            switch w {
            case "boolean": return .boolean
            case "tinyint": return .int8
            case "smallint": return .int16
            case "int", "integer": return .int32
            case "bigint": return .int64
            case "float": return .float
            case "double": return .double
            case "string", "varchar": return .string
            case "binary": return .binary
            case "json": return .json
            case "uuid": return .uuid
            case "date": return .date
            case "timestamp": return .timestamp(.millis, isAdjustedToUTC: true)
            case "timestamp_us": return .timestamp(.micros, isAdjustedToUTC: true)
            case "decimal":
                try expect("(")
                let p = try number()
                try expect(",")
                let s = try number()
                try expect(")")
                return .decimal(precision: p, scale: s)
            case "array":
                try expect("<")
                let element = try parseType()
                try expect(">")
                return .list(of: element)
            case "map":
                try expect("<")
                let key = try parseType()
                try expect(",")
                let value = try parseType()
                try expect(">")
                return .map(key, value)
            case "struct":
                try expect("<")
                var fields: [Field] = []
                repeat {
                    let n = try name()
                    guard !n.isEmpty else { throw error("expected a field name") }
                    try expect(":")
                    fields.append(Field(n, try parseType()))
                    skipSpaces()
                    if i < bytes.count && bytes[i] == UInt8(ascii: ",") { i += 1 } else { break }
                } while true
                try expect(">")
                return .struct(fields)
            default:
                throw error(w.isEmpty ? "expected a type" : "unknown type '\(w)'")
            }
        }
    }

    /// Reads a schema file (`--schema`).
    public static func load(path: String) throws(ConversionError) -> [Field] {
        let bytes = try FileSystem.readAll(path)
        var parser = JSONParser()
        func fail(_ message: String) -> ConversionError { ConversionError(.usage, "schema file: \(message)", file: path) }
        var result: Result<[Field], ConversionError> = .success([])
        bytes.withUnsafeBytes { raw in
            do throws(ConversionError) { result = .success(try fields(raw)) } catch { result = .failure(error) }
        }
        return try result.get()

        func fields(_ raw: UnsafeRawBufferPointer) throws(ConversionError) -> [Field] {
            do throws(JSONError) { try parser.parse(raw) } catch { throw fail("invalid JSON: \(error.message)") }
            let tape = parser.tape
            func text(_ i: Int) -> String { tape.withText(of: i, source: raw) { String(decoding: $0, as: UTF8.self) } }
            guard tape.tokens[0].kind == .objectStart else { throw fail("expected an object with \"fields\"") }
            var i = 1
            var fieldsArray: Int?
            while i < Int(tape.tokens[0].payload) {
                if text(i) == "fields" { fieldsArray = i + 1 }
                i = tape.next(after: i + 1)
            }
            guard let start = fieldsArray, tape.tokens[start].kind == .arrayStart else { throw fail("expected \"fields\": [...]") }
            var fields: [Field] = []
            i = start + 1
            while i < Int(tape.tokens[start].payload) {
                guard tape.tokens[i].kind == .objectStart else { throw fail("each field must be an object") }
                var name: String?
                var type: String?
                var j = i + 1
                while j < Int(tape.tokens[i].payload) {
                    let key = text(j)
                    if tape.tokens[j + 1].kind == .string {
                        if key == "name" { name = text(j + 1) }
                        if key == "type" { type = text(j + 1) }
                    }
                    j = tape.next(after: j + 1)
                }
                guard let name, let type else { throw fail("each field needs \"name\" and \"type\" strings") }
                fields.append(Field(name, try parseType(type)))
                i = tape.next(after: i)
            }
            return fields
        }
    }

    /// The `infer-schema` output: the schema with the Athena type and statistics per field.
    public static func render(_ schema: ResolvedSchema, evidence: SchemaEvidence) -> String {
        var lines: [String] = []
        let records = evidence.records
        for (field, view) in zip(schema.fields, evidence.topLevelFields) {
            var pairs: [(String, String)] = [
                ("name", JSONText.quote(field.name)), ("type", JSONText.quote(typeName(field.type))),
                ("athena", JSONText.quote(HiveType.name(field.type))),
            ]
            let nullFraction = records == 0 ? 0 : Double(records - view.nonNull) / Double(records)
            pairs.append(("null_fraction", String(Double(Int(nullFraction * 10_000)) / 10_000)))
            pairs.append(("examples", JSONText.array(view.examples.map(JSONText.quote))))
            if let distinct = view.distinctCount { pairs.append(("distinct", "\(distinct)")) }
            lines.append("    " + JSONText.object(pairs))
        }
        return "{\"records\": \(records), \"fields\": [\n" + lines.joined(separator: ",\n") + "\n], \"notes\": "
            + JSONText.array(schema.notes.map(JSONText.quote)) + "}\n"
    }
}
