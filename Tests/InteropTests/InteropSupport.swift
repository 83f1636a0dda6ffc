import Foundation
import LakeCompression
import LakeConv
import LakeParquet

/// One file to write and check: a schema, rows, writer options, and what the checker should expect.
struct InteropCase {
    var name: String
    var fields: [Field]
    var rows: [[Value]]
    var options = WriterOptions()
    /// Reader → reason, for genuine reader limitations only (reported as SKIP, never as a pass).
    var skipReaders: [String: String] = [:]
    /// Top-level column → (physical, logical) as pyarrow prints the Parquet schema.
    var parquetTypes: [String: (String, String)] = [:]
}

enum Interop {
    /// The repository root, from this file's path.
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The Python with the readers: `LAKECONV_PYTHON`, else the set-up script's `.venv`.
    static var python: String {
        if let explicit = ProcessInfo.processInfo.environment["LAKECONV_PYTHON"] { return explicit }
        return repositoryRoot.appendingPathComponent(".venv/bin/python").path
    }

    static func write(_ testCase: InteropCase, into folder: URL) throws {
        let schema = try Schema(testCase.fields)
        let path = folder.appendingPathComponent("\(testCase.name).parquet").path
        let sink = try FileByteSink(path: path)
        let writer = try ParquetFileWriter(schema: schema, sink: sink, options: testCase.options)
        for row in testCase.rows { try writer.write(row: row) }
        try writer.close()
        try sink.commit()
        let expected = expectedJSON(testCase)
        try expected.write(to: folder.appendingPathComponent("\(testCase.name).expected.json"), atomically: true, encoding: .utf8)
    }

    /// Runs the checker over `folder`; returns its exit status and output.
    static func check(_ folder: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Interop/check_parquet.py").path, folder.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func temporaryFolder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lakeconv-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    // MARK: The sidecar (format documented in Tests/Interop/check_parquet.py)

    static func expectedJSON(_ testCase: InteropCase) -> String {
        var columns: [String] = []
        for (index, field) in testCase.fields.enumerated() {
            var column = "{\"name\": \(quote(field.name)), \"type\": \(typeJSON(field.type))"
            if let (physical, logical) = testCase.parquetTypes[field.name] {
                column += ", \"parquet\": {\"physical\": \(quote(physical)), \"logical\": \(quote(logical))}"
            }
            let values = testCase.rows.map { valueJSON($0[index], type: field.type) }
            column += ", \"values\": [" + values.joined(separator: ", ") + "]}"
            columns.append(column)
        }
        let skips = testCase.skipReaders.sorted { $0.key < $1.key }.map { "\(quote($0.key)): \(quote($0.value))" }
        return "{\"rows\": \(testCase.rows.count), \"columns\": [\n" + columns.joined(separator: ",\n")
            + "\n], \"skip_readers\": {" + skips.joined(separator: ", ") + "}}\n"
    }

    static func typeJSON(_ type: DataType) -> String {
        switch type {
        case .boolean: "\"bool\""
        case .int8: "\"int8\""
        case .int16: "\"int16\""
        case .int32: "\"int32\""
        case .int64: "\"int64\""
        case .uint8: "\"uint8\""
        case .uint16: "\"uint16\""
        case .uint32: "\"uint32\""
        case .uint64: "\"uint64\""
        case .float: "\"float\""
        case .double: "\"double\""
        case .string: "\"string\""
        case .binary: "\"binary\""
        case .json: "\"json\""
        case .uuid: "\"uuid\""
        case .date: "\"date\""
        case .timestamp(let unit, _): unit == .millis ? "\"timestamp_ms\"" : unit == .micros ? "\"timestamp_us\"" : "\"timestamp_ns\""
        case .int96Timestamp: "\"timestamp_int96\""
        case .decimal(let p, let s): "\"decimal(\(p),\(s))\""
        case .fixedBinary: "\"fixed\""
        case .struct(let children):
            "{\"struct\": [" + children.map { "[\(quote($0.name)), \(typeJSON($0.type))]" }.joined(separator: ", ") + "]}"
        case .list(let element): "{\"list\": \(typeJSON(element.type))}"
        case .map(let key, let value): "{\"map\": [\(typeJSON(key.type)), \(typeJSON(value.type))]}"
        }
    }

    static func valueJSON(_ value: Value, type: DataType) -> String {
        switch (value, type) {
        case (.null, _): return "null"
        case (.bool(let b), _): return b ? "true" : "false"
        case (.int(let i), _): return String(i)
        case (.uint(let u), _): return String(u)
        case (.float(let f), _): return doubleJSON(Double(f))
        case (.double(let d), _): return doubleJSON(d)
        case (.string(let s), _): return quote(s)
        case (.bytes(let b), .uuid):
            let hex = b.map { String(format: "%02x", $0) }.joined()
            let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
            return quote(parts.joined(separator: "-"))
        case (.bytes(let b), _): return quote(b.map { String(format: "%02x", $0) }.joined())
        case (.list(let items), .list(let element)):
            return "[" + items.map { valueJSON($0, type: element.type) }.joined(separator: ", ") + "]"
        case (.record(let values), .struct(let children)):
            return "{" + zip(children, values).map { "\(quote($0.name)): \(valueJSON($1, type: $0.type))" }.joined(separator: ", ") + "}"
        case (.map(let entries), .map(let key, let valueField)):
            return "[" + entries.map { "[\(valueJSON($0.key, type: key.type)), \(valueJSON($0.value, type: valueField.type))]" }
                .joined(separator: ", ") + "]"
        default:
            preconditionFailure("value \(value) does not match \(type)")
        }
    }

    static func doubleJSON(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        return "\(d)"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

