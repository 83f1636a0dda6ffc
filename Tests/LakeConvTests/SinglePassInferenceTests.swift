import Foundation
import LakeConv
import LakeParquet
import Testing

/// The single-pass conversion infers from the first records and must end with exactly the schema
/// that inference over every record gives: a late record of another kind makes it start again.
@Suite struct SinglePassInferenceTests {
    /// Records beyond the speculation sample (20,000), so the surprise comes after it.
    static let leadRecords = 20_500

    func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lakeconv-single-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A late record, and whether it must make the single pass start again.
    struct Case: CustomStringConvertible, Sendable {
        var description: String
        var late: String
        var restarts: Bool
        var partitionBy: [PartitionSpec] = []
        var detectsUUIDs = false
    }

    static let lead = #"{"id":7,"name":"a","ts":"2021-03-01T00:00:00.123Z","day":"2021-03-01","amount":1.5,"flag":true,"dev":{"os":"ios","w":3},"tags":["x"],"big":12345678901234567890,"uid":"123e4567-e89b-12d3-a456-426614174000"}"#

    static let cases: [Case] = [
        Case(description: "a record that fits", late: #"{"id":8,"name":"b","amount":2,"tags":[],"big":1}"#, restarts: false),
        Case(description: "a new key", late: #"{"id":8,"extra":1}"#, restarts: true),
        Case(description: "a new nested key", late: #"{"dev":{"os":"x","h":4}}"#, restarts: true),
        Case(description: "an integer in a string column", late: #"{"name":5}"#, restarts: true),
        Case(description: "a decimal in an integer column", late: #"{"id":8.5}"#, restarts: true),
        Case(description: "a big integer in an integer column", late: #"{"id":99999999999999999999}"#, restarts: true),
        Case(description: "a plain string in a timestamp column", late: #"{"ts":"soon"}"#, restarts: true),
        Case(description: "microseconds in a millisecond column", late: #"{"ts":"2021-03-01T00:00:00.123456Z"}"#, restarts: true),
        Case(description: "nanoseconds in a timestamp column", late: #"{"ts":"2021-03-01T00:00:00.123456789Z"}"#, restarts: true),
        Case(description: "a timestamp in a date column", late: #"{"day":"2021-03-01T00:00:00Z"}"#, restarts: true),
        Case(description: "an object in a list of strings", late: #"{"tags":[{"a":1}]}"#, restarts: true),
        Case(description: "a string in a boolean column", late: #"{"flag":"yes"}"#, restarts: true),
        Case(
            description: "an integer in a path-only partition column", late: #"{"name":3}"#, restarts: true,
            partitionBy: [.category(column: "name")]),
        Case(description: "a plain string in a UUID column", late: #"{"uid":"123e4567-e89b-12d3-a456-42661417400"}"#, restarts: true, detectsUUIDs: true),
        Case(description: "an upper-case UUID", late: #"{"uid":"123E4567-E89B-12D3-A456-42661417400F"}"#, restarts: false, detectsUUIDs: true),
        Case(description: "an escaped UUID", late: #"{"uid":"\u0031\u00323e4567-e89b-12d3-a456-426614174000"}"#, restarts: false, detectsUUIDs: true),
    ]

    @Test("a late record: same schema as inference over every record, every row kept", arguments: cases)
    func lateRecord(_ c: Case) throws {
        let out = try folder(String(c.description.filter(\.isLetter).prefix(24)))
        defer { try? FileManager.default.removeItem(at: out) }
        let input = out.appendingPathComponent("in.ndjson")
        var text = String(repeating: Self.lead + "\n", count: Self.leadRecords)
        text += "not json\n" + c.late + "\n" + Self.lead + "\n"
        try Data(text.utf8).write(to: input)
        let target = c.partitionBy.isEmpty ? out.appendingPathComponent("o.parquet").path : out.appendingPathComponent("ds").path
        var options = ConversionOptions(inputs: [input.path], output: target)
        options.partitionBy = c.partitionBy
        options.inference.detectsUUIDs = c.detectsUUIDs
        let reference = try Converter(options).inferSchema(paths: [input.path]).resolve(options.inference)
        let report = try Converter(options).run()
        let fileFields = reference.fields.filter { field in !c.partitionBy.contains { $0 == .category(column: field.name) } }
        #expect(report.schema.map(\.name) == reference.fields.map(\.name))
        #expect(report.schema == reference.fields, "single pass: \(report.schema), every record: \(reference.fields)")
        #expect(report.rowsWritten == Self.leadRecords + 2 && report.badRecords == 1)
        #expect(report.schemaNotes.contains { $0.hasPrefix("inference: ") } == c.restarts, "\(report.schemaNotes)")
        #expect(report.outputFiles.reduce(0) { $0 + $1.rows } == report.rowsWritten)
        #expect(!fileFields.isEmpty)
        #expect(reference.fields.first { $0.name == "uid" }?.type == (c.detectsUUIDs && !c.restarts ? .uuid : .string))
        // The line before the surprise is a bad record once, not once per attempt.
        let badPath = c.partitionBy.isEmpty ? out.appendingPathComponent("o.bad_records.ndjson") : out.appendingPathComponent("ds.bad_records.ndjson")
        let bad = try String(contentsOf: badPath, encoding: .utf8).split(separator: "\n")
        #expect(bad.count == 1 && bad[0].contains("\"line\": \(Self.leadRecords + 1)"))
    }

    @Test("a sample whose types are guesses (all-null, empty lists, mixed kinds) is never speculated on")
    func guessesInferEverything() throws {
        let out = try folder("guess")
        defer { try? FileManager.default.removeItem(at: out) }
        let input = out.appendingPathComponent("in.ndjson")
        var text = String(repeating: #"{"id":1,"maybe":null,"list":[],"empty":{}}"# + "\n", count: Self.leadRecords)
        text += #"{"maybe":2.5,"list":[1],"empty":{"k":true}}"# + "\n"
        try Data(text.utf8).write(to: input)
        let report = try Converter(ConversionOptions(inputs: [input.path], output: out.appendingPathComponent("g.parquet").path)).run()
        #expect(report.schema.first { $0.name == "maybe" }?.type == .double)
        #expect(report.schema.first { $0.name == "list" }?.type == .list(Field("element", .int64)))
        #expect(report.schema.first { $0.name == "empty" }?.type == .struct([Field("k", .boolean)]))
        #expect(!report.schemaNotes.contains { $0.hasPrefix("inference: ") })
        #expect(report.rowsWritten == Self.leadRecords + 1)
    }

    @Test("an explicit microsecond timestamp column refuses nanoseconds as a bad record, never truncates")
    func nanosecondsRefused() throws {
        let out = try folder("nanos")
        defer { try? FileManager.default.removeItem(at: out) }
        let input = out.appendingPathComponent("in.ndjson")
        try Data("{\"t\":\"2021-03-01T00:00:00.123456Z\"}\n{\"t\":\"2021-03-01T00:00:00.123456789Z\"}\n".utf8).write(to: input)
        var options = ConversionOptions(inputs: [input.path], output: out.appendingPathComponent("n.parquet").path)
        options.schema = [Field("t", .timestamp(.micros, isAdjustedToUTC: true))]
        let report = try Converter(options).run()
        #expect(report.rowsWritten == 1 && report.badRecords == 1)
    }
}
