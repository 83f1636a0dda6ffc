import Foundation
import LakeConv
import Testing

@Suite struct ConverterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/ndjson")

    func folder(_ name: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lakeconv-conv-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("messy input: every line accounted for, bad lines listed with their reasons", arguments: [1, 2])
    func messy(threads: Int) throws {
        let out = try folder("messy\(threads)")
        defer { try? FileManager.default.removeItem(at: out) }
        var options = ConversionOptions(inputs: [Self.fixtures.appendingPathComponent("messy.ndjson").path], output: out.appendingPathComponent("m.parquet").path)
        options.threads = threads
        let report = try Converter(options).run()
        #expect(report.linesRead == 31)
        #expect(report.rowsWritten + report.badRecords + report.blankLines == report.linesRead)
        #expect(report.blankLines == 3)
        #expect(report.duplicateKeys == 1)
        let bad = try String(contentsOf: out.appendingPathComponent("m.bad_records.ndjson"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(bad.map { $0["line"] as! Int } == [8, 9, 10, 11, 17, 19, 20, 21, 27, 29, 31])
        #expect(bad.count == report.badRecords)
        #expect((bad[1]["reason"] as! String).hasPrefix("not a JSON object"))
        #expect((bad[4]["reason"] as! String).contains("out of range"))
        #expect(bad[6]["raw_base64"] != nil)
        #expect(report.outputFiles.count == 1 && report.outputFiles[0].rows == report.rowsWritten)
        #expect(report.schemaNotes.contains { $0.hasPrefix("score: mixes") })
    }

    @Test("--max-bad-records: past the limit nothing is published, the bad records still are")
    func badLimit() throws {
        let out = try folder("limit")
        defer { try? FileManager.default.removeItem(at: out) }
        let target = out.appendingPathComponent("m.parquet").path
        var options = ConversionOptions(inputs: [Self.fixtures.appendingPathComponent("messy.ndjson").path], output: target)
        options.maxBadRecords = .count(3)
        #expect(throws: ConversionError.self) { try Converter(options).run() }
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("m.bad_records.ndjson").path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
        options.maxBadRecords = .fraction(0.5)
        _ = try Converter(options).run()
        #expect(FileManager.default.fileExists(atPath: target))
    }

    @Test("an existing output is refused by default")
    func refusesExisting() throws {
        let out = try folder("exists")
        defer { try? FileManager.default.removeItem(at: out) }
        let target = out.appendingPathComponent("e.parquet").path
        #expect(FileManager.default.createFile(atPath: target, contents: Data("keep".utf8)))
        let options = ConversionOptions(inputs: [Self.fixtures.appendingPathComponent("nested.ndjson").path], output: target)
        #expect(throws: ConversionError.self) { try Converter(options).run() }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    }

    @Test("--sample: records that do not fit the sampled schema are bad records, not silent changes")
    func sampled() throws {
        let out = try folder("sample")
        defer { try? FileManager.default.removeItem(at: out) }
        let input = out.appendingPathComponent("in.ndjson")
        try Data("{\"a\":1}\n{\"a\":2}\n{\"a\":2.5}\n{\"b\":true}\n{\"a\":3}\n".utf8).write(to: input)
        var options = ConversionOptions(inputs: [input.path], output: out.appendingPathComponent("s.parquet").path)
        options.sampleRecords = 2
        let report = try Converter(options).run()
        #expect(report.rowsWritten == 3 && report.badRecords == 2)
        let bad = try String(contentsOf: out.appendingPathComponent("s.bad_records.ndjson"), encoding: .utf8)
        #expect(bad.contains("\"line\": 3") && bad.contains("expects an integer"))
        #expect(bad.contains("\"line\": 4") && bad.contains("not in the schema"))
    }

    @Test("keys differing only in case are a clear error naming where each was first seen", arguments: [1, 2])
    func caseCollision(threads: Int) throws {
        let out = try folder("case-\(threads)")
        defer { try? FileManager.default.removeItem(at: out) }
        let input = out.appendingPathComponent("in.ndjson")
        try Data("{\"UserId\":1}\n{\"userid\":2}\n".utf8).write(to: input)
        // Past the first 20,000 records (the speculation sample): found by the full inference,
        // whose blocks are merged across workers.
        let late = out.appendingPathComponent("late.ndjson")
        try Data((String(repeating: "{\"a\":1}\n", count: 30_000) + "{\"d\":{\"Source\":1}}\n{\"a\":2}\n{\"d\":{\"source\":2}}\n").utf8).write(to: late)
        var options = ConversionOptions(inputs: [input.path], output: out.appendingPathComponent("c.parquet").path)
        options.threads = threads
        #expect { try Converter(options).run() } throws: { error in
            guard let error = error as? ConversionError else { return false }
            return error.message.contains("differ only in case") && error.message.contains("'UserId' (first at \(input.path) line 1)")
                && error.message.contains("'userid' (first at \(input.path) line 2)") && error.file == input.path && error.line == 2
        }
        options.inputs = [late.path]
        #expect { try Converter(options).run() } throws: { error in
            guard let error = error as? ConversionError else { return false }
            return error.message.contains("'Source' (first at \(late.path) line 30001)") && error.message.contains("'source' (first at \(late.path) line 30003)")
                && error.file == late.path && error.line == 30_003
        }
    }
}

@Suite struct BigIntegerTests {
    @Test("--big-integers: double (reported), decimal(38,0) exact, string exact; never wrapped", arguments: [BigIntegerPolicy.double, .decimal, .string])
    func policies(_ policy: BigIntegerPolicy) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lakeconv-big-\(policy)-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("in.ndjson")
        // `f` mixes a big integer and a decimal; `g` has its big integer past the first 20,000
        // records (the speculation sample), after decimals only.
        try Data(("{\"n\":1}\n{\"n\":18446744073709551616}\n{\"n\":-99999999999999999999999999999999999999}\n{\"m\":123456789012345678901234567890123456789}\n"
            + "{\"f\":12345678901234567890}\n{\"f\":1.5}\n").utf8).write(to: input)
        let late = folder.appendingPathComponent("late.ndjson")
        try Data((String(repeating: "{\"g\":2.5}\n", count: 20_000) + "{\"g\":12345678901234567891}\n").utf8).write(to: late)
        var options = ConversionOptions(inputs: [input.path], output: folder.appendingPathComponent("o.parquet").path)
        options.inference.bigIntegers = policy
        let report = try Converter(options).run()
        #expect(report.rowsWritten == 6 && report.badRecords == 0)
        var lateOptions = ConversionOptions(inputs: [late.path], output: folder.appendingPathComponent("late.parquet").path)
        lateOptions.inference.bigIntegers = policy
        let lateReport = try Converter(lateOptions).run()
        #expect(lateReport.rowsWritten == 20_001)
        let n = try #require(report.schema.first { $0.name == "n" })
        let m = try #require(report.schema.first { $0.name == "m" })
        let f = try #require(report.schema.first { $0.name == "f" })
        let g = try #require(lateReport.schema.first { $0.name == "g" })
        switch policy {
        case .double: #expect(n.type == .double && m.type == .double && f.type == .double && g.type == .double)
        case .decimal: #expect(n.type == .decimal(precision: 38, scale: 0) && m.type == .string)  // 39 digits do not fit
        case .string: #expect(n.type == .string && m.type == .string)
        }
        // Exact policies keep a column of big integers and decimals exact, as JSON text.
        if policy != .double { #expect(f.type == .json && g.type == .json, "\(f.type) \(g.type)") }
        #expect(report.schemaNotes.contains { $0.hasPrefix("n: ") })
    }
}

/// The library example in README.md, kept compiling and working.
@Suite struct ReadmeExampleTests {
    @Test("README library example")
    func readme() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lakeconv-readme-\(getpid()).parquet").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let schema = try Schema([
            Field("id", .int64, nullable: false),
            Field("name", .string),
            Field("at", .timestamp(.millis, isAdjustedToUTC: true)),
            Field("tags", .list(of: .string)),
            Field("device", .struct([Field("os", .string), Field("w", .int32)])),
        ])
        let options = WriterOptions()
        let sink = try FileByteSink(path: path)
        let writer = try ParquetFileWriter(schema: schema, sink: sink, options: options)
        try writer.write(row: [.int(1), .string("a"), .int(1_616_317_200_123), .list([.string("x")]), .record([.string("ios"), .int(828)])])
        try writer.close()
        try sink.commit()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.prefix(4) == Data("PAR1".utf8) && bytes.suffix(4) == Data("PAR1".utf8))
    }
}
