import Foundation
import LakeConv
import Testing

@Suite struct DatasetTests {
    let fm = FileManager.default

    func folder(_ name: String) throws -> URL {
        let url = fm.temporaryDirectory.appendingPathComponent("lakeconv-ds-\(name)-\(getpid())")
        try? fm.removeItem(at: url)
        try fm.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func write(_ lines: [String], to url: URL) throws {
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: url)
    }

    /// Relative paths of the visible data files under `root`.
    func dataFiles(_ root: URL) -> [String] {
        (fm.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? [])
            .filter { $0.hasSuffix(".parquet") && !$0.split(separator: "/").contains { $0.hasPrefix(".") } }.sorted()
    }

    func convert(_ input: URL, _ output: URL, mode: DatasetMode = .error, partitionBy: [PartitionSpec] = [.category(column: "source")]) throws -> ConversionReport {
        var options = ConversionOptions(inputs: [input.path], output: output.path)
        options.partitionBy = partitionBy
        options.mode = mode
        options.threads = 1
        return try Converter(options).run()
    }

    @Test("append: an input with no value of the category column goes to the default partition (the dataset's type kept)", arguments: [DatasetMode.append, .overwritePartitions])
    func appendWithoutPartitionColumn(_ mode: DatasetMode) throws {
        let base = try folder("append-missing-\(mode.rawValue)")
        defer { try? fm.removeItem(at: base) }
        let first = base.appendingPathComponent("a.ndjson")
        let second = base.appendingPathComponent("b.ndjson")
        try write([#"{"source":"web","x":1}"#], to: first)
        try write([#"{"x":2}"#, #"{"x":3}"#], to: second)
        let out = base.appendingPathComponent("ds")
        _ = try convert(first, out)
        let report = try convert(second, out, mode: mode)
        #expect(report.rowsWritten == 2)
        let defaultPartition = out.appendingPathComponent("source=__HIVE_DEFAULT_PARTITION__")
        #expect(try fm.contentsOfDirectory(atPath: defaultPartition.path).contains { $0.hasSuffix(".parquet") })
        #expect(try fm.contentsOfDirectory(atPath: out.appendingPathComponent("source=web").path).contains { $0.hasSuffix(".parquet") })
    }

    @Test("modes: error refuses, append adds, overwrite-partitions replaces only its partitions, overwrite replaces all")
    func modes() throws {
        let base = try folder("modes")
        defer { try? fm.removeItem(at: base) }
        let first = base.appendingPathComponent("a.ndjson")
        let second = base.appendingPathComponent("b.ndjson")
        try write([#"{"source":"web","n":1}"#, #"{"source":"ios","n":2}"#], to: first)
        try write([#"{"source":"web","n":3}"#], to: second)
        let out = base.appendingPathComponent("ds")

        _ = try convert(first, out)
        let initial = dataFiles(out)
        #expect(initial.count == 2 && initial.contains { $0.hasPrefix("source=web/") } && initial.contains { $0.hasPrefix("source=ios/") })
        #expect(fm.fileExists(atPath: out.appendingPathComponent("_SUCCESS").path))
        #expect(throws: ConversionError.self) { try convert(second, out) }
        #expect(dataFiles(out) == initial)

        _ = try convert(second, out, mode: .append)
        #expect(dataFiles(out).count == 3)

        _ = try convert(second, out, mode: .overwritePartitions)
        let afterPartitions = dataFiles(out)
        #expect(afterPartitions.filter { $0.hasPrefix("source=web/") }.count == 1)
        #expect(afterPartitions.filter { $0.hasPrefix("source=ios/") } == initial.filter { $0.hasPrefix("source=ios/") })

        _ = try convert(second, out, mode: .overwrite)
        let afterOverwrite = dataFiles(out)
        #expect(afterOverwrite.count == 1 && afterOverwrite[0].hasPrefix("source=web/"))
        let siblings = try fm.contentsOfDirectory(atPath: base.path)
        #expect(!siblings.contains { $0.contains("lakeconv-staging") }, "\(siblings)")
    }

    @Test("the manifest lists every file with decoded partition values, rows and statistics")
    func manifest() throws {
        let base = try folder("manifest")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent("in.ndjson")
        try write([
            #"{"source":"a/b","t":"2021-03-01T23:30:00-01:00","x":5}"#, #"{"source":null,"t":"2021-03-02T00:10:00Z","x":-2}"#,
            "", #"{"source":"a/b","t":"bad","x":1}"#,
        ], to: input)
        let out = base.appendingPathComponent("ds")
        let report = try convert(input, out, partitionBy: [.category(column: "source"), .date(column: "t", grain: .day)])
        #expect(report.rowsWritten == 2 && report.badRecords == 1 && report.blankLines == 1)
        #expect(dataFiles(out).map { String($0.split(separator: "/").dropLast().joined(separator: "/")) }.sorted() == [
            "source=__HIVE_DEFAULT_PARTITION__/year=2021/month=03/day=02", "source=a%2Fb/year=2021/month=03/day=02",
        ])
        let data = try Data(contentsOf: out.appendingPathComponent("_SUCCESS"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["rows_written"] as? Int == 2 && json["bad_records"] as? Int == 1 && json["blank_lines"] as? Int == 1)
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.count == 2)
        let slashed = try #require(files.first { ($0["partition"] as? [String: Any])?["source"] as? String == "a/b" })
        #expect((slashed["partition"] as? [String: Any])?["day"] as? String == "02")
        let x = try #require((slashed["columns"] as? [String: Any])?["x"] as? [String: Any])
        #expect(x["min"] as? Int == 5 && x["max"] as? Int == 5 && x["null_count"] as? Int == 0)
        let t = try #require((slashed["columns"] as? [String: Any])?["t"] as? [String: Any])
        // "bad" makes t a string column; the partition was still derived from the parsed instant (UTC day 02).
        #expect(t["min"] as? String == "2021-03-01T23:30:00-01:00")
        let nullPartition = try #require(files.first { ($0["partition"] as? [String: Any])?["source"] is NSNull })
        #expect(nullPartition["rows"] as? Int == 1)
        // Category partition columns live in the paths only.
        #expect(!(json["schema"] as? [[String: Any]] ?? []).contains { $0["name"] as? String == "source" })
    }

    @Test("a killed run's staging folder and journal are cleaned up by the next run")
    func recovery() throws {
        let base = try folder("recovery")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent("in.ndjson")
        try write([#"{"source":"web","n":1}"#], to: input)
        let out = base.appendingPathComponent("ds")
        _ = try convert(input, out)
        // Leftovers of a dead process (pid 999999 does not exist): a staging tree, and a journal
        // naming a file that was moved in before the kill.
        let staging = base.appendingPathComponent(".ds.lakeconv-staging-x-999999")
        try fm.createDirectory(at: staging.appendingPathComponent("source=web"), withIntermediateDirectories: true)
        try Data("junk".utf8).write(to: staging.appendingPathComponent("source=web/part-1.parquet"))
        try Data("orphan".utf8).write(to: out.appendingPathComponent("source=web/part-99999-dead.parquet"))
        try Data("source=web/part-99999-dead.parquet\n".utf8).write(to: out.appendingPathComponent(".lakeconv-journal-999999.dead"))
        _ = try convert(input, out, mode: .append)
        #expect(!fm.fileExists(atPath: staging.path))
        #expect(!fm.fileExists(atPath: out.appendingPathComponent("source=web/part-99999-dead.parquet").path))
        #expect(!fm.fileExists(atPath: out.appendingPathComponent(".lakeconv-journal-999999.dead").path))
        #expect(dataFiles(out).count == 2)
    }

    @Test("partition values differing only in case are reported")
    func caseOnlyValues() throws {
        let base = try folder("case")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent("in.ndjson")
        try write([#"{"source":"Web","n":1}"#, #"{"source":"web","n":2}"#], to: input)
        let report = try convert(input, base.appendingPathComponent("ds"))
        #expect(report.schemaNotes.contains { $0.contains("'source=Web' and 'source=web' differ only in case") })
        #expect(dataFiles(base.appendingPathComponent("ds")).count == 2)
    }

    @Test("append: new columns give ALTER TABLE ADD COLUMNS and a Glue update; a type change is refused before writing")
    func appendSchemaChanges() throws {
        let base = try folder("append-schema")
        defer { try? fm.removeItem(at: base) }
        let first = base.appendingPathComponent("a.ndjson")
        let second = base.appendingPathComponent("b.ndjson")
        let third = base.appendingPathComponent("c.ndjson")
        try write([#"{"source":"web","n":1,"amount":2.5}"#], to: first)
        try write([#"{"source":"web","n":2,"amount":3,"referrer":"x"}"#], to: second)  // int amount fits double; new column
        try write([#"{"source":"ios","n":"three"}"#], to: third)  // n: bigint → string
        let out = base.appendingPathComponent("ds")
        let catalog = base.appendingPathComponent("catalog")
        func run(_ input: URL) throws -> ConversionReport {
            var options = ConversionOptions(inputs: [input.path], output: out.path)
            options.partitionBy = [.category(column: "source")]
            options.mode = .append
            options.catalog = CatalogOptions(table: "db.events", location: "s3://bucket/events/", outputFolder: catalog.path)
            return try Converter(options).run()
        }
        _ = try run(first)
        #expect(!fm.fileExists(atPath: catalog.appendingPathComponent("alter-table-add-columns.sql").path))
        let report = try run(second)
        #expect(report.schema.first { $0.name == "amount" }?.type == .double)
        let alter = try String(contentsOf: catalog.appendingPathComponent("alter-table-add-columns.sql"), encoding: .utf8)
        #expect(alter == "ALTER TABLE `db`.`events` ADD COLUMNS (\n  `referrer` string\n);\n")
        #expect(fm.fileExists(atPath: catalog.appendingPathComponent("glue-update-table.json").path))
        let before = dataFiles(out)
        #expect { try run(third) } throws: { error in
            (error as? ConversionError)?.message.contains("is bigint in the dataset but string in this input") == true
        }
        #expect(dataFiles(out) == before)
    }

    @Test("a failed run publishes nothing and leaves no staging")
    func failedRun() throws {
        let base = try folder("failed")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent("in.ndjson")
        try write([#"{"source":"web","n":1}"#, "not json", "nor this"], to: input)
        let out = base.appendingPathComponent("ds")
        var options = ConversionOptions(inputs: [input.path], output: out.path)
        options.partitionBy = [.category(column: "source")]
        options.maxBadRecords = .count(1)
        #expect(throws: ConversionError.self) { try Converter(options).run() }
        #expect(!fm.fileExists(atPath: out.path))
        #expect(fm.fileExists(atPath: base.appendingPathComponent("ds.bad_records.ndjson").path))
        #expect(try fm.contentsOfDirectory(atPath: base.path).allSatisfy { !$0.hasPrefix(".") })
    }

    @Test("a UUID column partitions by value: every spelling of a UUID in one partition and one bucket")
    func uuidPartitions() throws {
        let base = try folder("uuid")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent("in.ndjson")
        try write([
            #"{"id":"123e4567-e89b-12d3-a456-426614174000","n":1}"#, #"{"id":"123E4567-E89B-12D3-A456-426614174000","n":2}"#,
            #"{"id":"\u0031\u00323e4567-e89b-12d3-a456-426614174000","n":3}"#, #"{"id":"ABCDEF01-2345-6789-ABCD-EF0123456789","n":4}"#,
            #"{"id":null,"n":5}"#,
        ], to: input)
        for spec in [PartitionSpec.category(column: "id"), .hash(column: "id", buckets: 64)] {
            let out = base.appendingPathComponent("ds-\(spec)".filter { $0.isLetter || $0.isNumber || $0 == "-" })
            var options = ConversionOptions(inputs: [input.path], output: out.path)
            options.partitionBy = [spec]
            options.inference.detectsUUIDs = true
            let report = try Converter(options).run()
            #expect(report.rowsWritten == 5 && report.badRecords == 0)
            #expect(report.schema.first { $0.name == "id" }?.type == .uuid)
            let directories = Set(dataFiles(out).map { $0.split(separator: "/")[0] })
            if case .category = spec {
                #expect(directories == ["id=123e4567-e89b-12d3-a456-426614174000", "id=abcdef01-2345-6789-abcd-ef0123456789", "id=__HIVE_DEFAULT_PARTITION__"])
            } else {
                #expect(directories.count == 3, "\(directories)")  // two UUIDs and null (64 buckets: no collision here)
            }
        }
    }

    @Test("a folder without partitioning holds every row in its part files", arguments: [1, 2])
    func unpartitioned(threads: Int) throws {
        let base = try folder("flat-\(threads)")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent("in.ndjson")
        // 9 MB: three 4 MiB input blocks, so several chunks reach the writer.
        try write((0..<150_000).map { #"{"n":\#($0),"s":"row \#($0) of a folder without partitions"}"# }, to: input)
        let out = base.appendingPathComponent("ds")
        var options = ConversionOptions(inputs: [input.path], output: out.path)
        options.threads = threads
        options.writer.rowGroupSize = 64 << 10  // many chunks
        options.targetFileSize = 32 << 10  // several files
        let report = try Converter(options).run()
        #expect(report.rowsWritten == 150_000)
        let files = dataFiles(out)
        #expect(files.count >= 2 && files.allSatisfy { !$0.contains("/") }, "\(files)")
        #expect(report.outputFiles.count == files.count)
        #expect(report.outputFiles.reduce(0) { $0 + $1.rows } == 150_000)
        let data = try Data(contentsOf: out.appendingPathComponent("_SUCCESS"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let listed = try #require(json["files"] as? [[String: Any]])
        #expect(listed.reduce(0) { $0 + ($1["rows"] as? Int ?? 0) } == 150_000)
    }

    @Test("manifest statistics: a list's leaf is named with [] (its null count is the leaf's), years have four digits, a name with a dot is quoted")
    func manifestStatisticsNames() throws {
        let base = try folder("stats-names")
        defer { try? fm.removeItem(at: base) }
        let input = base.appendingPathComponent("in.ndjson")
        try write([
            #"{"source":"a","tags":["x",null],"pts":[{"x":1}],"d":"0999-03-01","a.b":1,"a":{"b":"x"}}"#,
            #"{"source":"a","tags":[],"pts":null,"d":"2021-01-02","a.b":2,"a":{"b":"y"}}"#,
            #"{"source":"a","tags":null,"d":"1969-12-31"}"#,
        ], to: input)
        let out = base.appendingPathComponent("ds")
        _ = try convert(input, out)
        let data = try Data(contentsOf: out.appendingPathComponent("_SUCCESS"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let file = try #require((json["files"] as? [[String: Any]])?.first)
        let columns = try #require(file["columns"] as? [String: Any])
        #expect(Set(columns.keys) == ["tags[]", "pts[].x", "d", "`a.b`", "a.b"], "\(columns.keys)")
        // The top-level field named "a.b" and field b of struct a: one key each.
        #expect((columns["`a.b`"] as? [String: Any])?["max"] as? Int == 2)
        #expect((columns["a.b"] as? [String: Any])?["max"] as? String == "y")
        let tags = try #require(columns["tags[]"] as? [String: Any])
        #expect(tags["null_count"] as? Int == 3)  // a null element, an empty list, a null list
        let d = try #require(columns["d"] as? [String: Any])
        #expect(d["min"] as? String == "0999-03-01" && d["max"] as? String == "2021-01-02")
    }
}
