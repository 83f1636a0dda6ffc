import Foundation
import LakeCatalog
import LakeParquet
import Testing

@Suite struct CatalogTests {
    func table(projection keys: [PartitionKey]? = nil) -> CatalogTable {
        CatalogTable(
            database: "Analytics", name: "Events", location: "s3://bucket/events",
            columns: [
                Field("event_id", .string), Field("At", .timestamp(.millis, isAdjustedToUTC: true)), Field("n", .int64),
                Field("device", .struct([Field("os", .string), Field("screen w", .int32)])), Field("tags", .list(of: .string)),
                Field("props", .map(.string, .double)), Field("price", .decimal(precision: 10, scale: 2)), Field("raw", .json),
            ],
            partitionKeys: keys ?? [
                PartitionKey(name: "source", type: "string", projection: .enumeration(["ios", "web"])),
                PartitionKey(name: "bucket", type: "int", projection: .integer(min: 0, max: 15, digits: 2)),
            ],
            compression: "SNAPPY", hashPartitioning: [("n", 16)])
    }

    @Test("CREATE EXTERNAL TABLE, golden")
    func createTable() {
        let expected = """
            CREATE EXTERNAL TABLE IF NOT EXISTS `analytics`.`events` (
              `event_id` string,
              `at` timestamp,
              `n` bigint,
              `device` struct<os:string,`screen w`:int>,
              `tags` array<string>,
              `props` map<string,double>,
              `price` decimal(10,2),
              `raw` string
            )
            PARTITIONED BY (
              `source` string,
              `bucket` int
            )
            STORED AS PARQUET
            LOCATION 's3://bucket/events/'
            TBLPROPERTIES (
              'classification'='parquet',
              'parquet.compression'='SNAPPY',
              'typeOfData'='file',
              'lakeconv.hash_partitioning'='bucket=pmod(spark_murmur3_x86_32(n, seed 42), 16)',
              'bucketing_format'='spark',
              'projection.enabled'='true',
              'projection.source.type'='enum',
              'projection.source.values'='ios,web',
              'projection.bucket.type'='integer',
              'projection.bucket.range'='0,15',
              'projection.bucket.digits'='2',
              'storage.location.template'='s3://bucket/events/source=${source}/bucket=${bucket}/'
            )

            """
        #expect(CatalogGenerator.createTableSQL(table(), projection: true) == expected)
    }

    @Test("values are quoted so that no value can break or inject into a statement")
    func quoting() {
        #expect(SQLString.literal("it's") == #"'it\'s'"#)
        #expect(SQLString.literal(#"a\'; DROP TABLE x; --"#) == #"'a\\\'; DROP TABLE x; --'"#)
        #expect(SQLString.literal("line\nbreak\u{1}") == #"'line\nbreak\u0001'"#)
        #expect(SQLString.literal("中文 🚀") == "'中文 🚀'")
        let statements = CatalogGenerator.addPartitionStatements(table(), partitions: [
            CatalogPartition(values: ["it's", "07"], directory: "source=it%27s/bucket=07"),
            CatalogPartition(values: [nil, "00"], directory: "source=__HIVE_DEFAULT_PARTITION__/bucket=00"),
        ])
        #expect(statements == [
            """
            ALTER TABLE `analytics`.`events` ADD IF NOT EXISTS
              PARTITION (`source`='it\\'s', `bucket`=7) LOCATION 's3://bucket/events/source=it%27s/bucket=07/'
              PARTITION (`source`='__HIVE_DEFAULT_PARTITION__', `bucket`=0) LOCATION 's3://bucket/events/source=__HIVE_DEFAULT_PARTITION__/bucket=00/';

            """,
        ])
        #expect(Identifier.backticked("we`ird") == "`we``ird`")
    }

    @Test("ADD PARTITION statements stay under Athena's 262,144-byte limit; Glue lists hold at most 100")
    func batching() {
        let partitions = (0..<5000).map { i in
            CatalogPartition(values: ["value-\(i)-" + String(repeating: "x", count: 60), "\(i % 16)"], directory: "source=value-\(i)/bucket=\(i % 16)")
        }
        let statements = CatalogGenerator.addPartitionStatements(table(), partitions: partitions)
        #expect(statements.count > 1)
        #expect(statements.allSatisfy { $0.utf8.count <= CatalogGenerator.athenaQueryLimit })
        #expect(statements.reduce(0) { $0 + $1.components(separatedBy: "  PARTITION (").count - 1 } == 5000)
        let artifacts = CatalogGenerator.artifacts(table(), partitions: partitions, projection: false)
        let glue = artifacts.files.filter { $0.name.hasPrefix("glue-partitions-") }
        #expect(glue.count == 50 && glue.first?.name == "glue-partitions-0001.json" && glue.last?.name == "glue-partitions-0050.json")
        for file in glue {
            let list = try? JSONSerialization.jsonObject(with: Data(file.contents.utf8)) as? [[String: Any]]
            #expect(list?.count == 100)
        }
    }

    @Test("Glue TableInput has the Parquet SerDe, formats and partition keys")
    func glueTable() throws {
        let artifacts = CatalogGenerator.artifacts(table(), partitions: [CatalogPartition(values: ["ios", "01"], directory: "source=ios/bucket=01")], projection: false)
        let text = try #require(artifacts.files.first { $0.name == "glue-table.json" }?.contents)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["Name"] as? String == "events" && json["TableType"] as? String == "EXTERNAL_TABLE")
        #expect((json["Parameters"] as? [String: String])?["classification"] == "parquet")
        let sd = try #require(json["StorageDescriptor"] as? [String: Any])
        #expect(sd["InputFormat"] as? String == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat")
        #expect(sd["OutputFormat"] as? String == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat")
        #expect((sd["SerdeInfo"] as? [String: Any])?["SerializationLibrary"] as? String == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe")
        #expect(sd["Location"] as? String == "s3://bucket/events/")
        #expect((json["PartitionKeys"] as? [[String: String]])?.map { $0["Name"]! } == ["source", "bucket"])
        let columns = try #require(sd["Columns"] as? [[String: String]])
        #expect(columns.first { $0["Name"] == "device" }?["Type"] == "struct<os:string,`screen w`:int>")
        let partitions = try #require(artifacts.files.first { $0.name == "glue-partitions-0001.json" }?.contents)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(partitions.utf8)) as? [[String: Any]])
        #expect(list[0]["Values"] as? [String] == ["ios", "1"])  // int keys: canonical numbers, as in the SQL
        #expect((list[0]["StorageDescriptor"] as? [String: Any])?["Location"] as? String == "s3://bucket/events/source=ios/bucket=01/")
    }

    @Test("names Athena may struggle with are reported")
    func nameNotes() {
        let artifacts = CatalogGenerator.artifacts(table(), partitions: [], projection: false)
        #expect(artifacts.notes.contains { $0.contains("'At' is 'at'") })
        #expect(Identifier.problem("select") != nil && Identifier.problem("a.b") != nil && Identifier.problem("_x") != nil)
        #expect(Identifier.problem("user_id") == nil)
    }

    @Test("a new column on append gives ALTER TABLE ADD COLUMNS")
    func addColumns() {
        #expect(CatalogGenerator.alterTableAddColumnsSQL(table(), [Field("referrer", .string)]) == "ALTER TABLE `analytics`.`events` ADD COLUMNS (\n  `referrer` string\n);\n")
    }

    @Test("projection is left off, with a note, when it cannot address every partition")
    func projectionReach() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2021-03-10T12:00:00Z"))
        func projected(_ keys: [PartitionKey], _ values: [[String?]]) -> (on: Bool, notes: [String]) {
            let partitions = values.map { CatalogPartition(values: $0, directory: "d") }
            let artifacts = CatalogGenerator.artifacts(table(projection: keys), partitions: partitions, projection: true, now: now)
            let sql = artifacts.files.first { $0.name == "create-table.sql" }!.contents
            return (sql.contains("projection.enabled"), artifacts.notes.filter { $0.hasPrefix("projection:") })
        }
        let source = PartitionKey(name: "source", type: "string", projection: .enumeration(["ios", "web"]))
        let year = PartitionKey(name: "year", type: "string", projection: .integer(min: 2020, max: 2021, digits: 4))
        let dt = PartitionKey(name: "dt", type: "string", projection: .date(start: "2021-03-01", format: "yyyy-MM-dd", unit: "DAYS"))
        // Every partition reachable: on, no note.
        #expect(projected([source, year], [["ios", "2020"], ["web", "2021"]]) == (true, []))
        #expect(projected([dt], [["2021-03-01"], ["2021-03-10"]]) == (true, []))
        // A value with a byte Hive escapes in paths, a default partition under an integer or date
        // projection, a date after now: off, with the reason.
        let slash = PartitionKey(name: "source", type: "string", projection: .enumeration(["a/b", "web"]))
        for (keys, values) in [([slash], [["a/b"]]), ([source, year], [["ios", nil]]), ([dt], [[nil]]), ([dt], [["2021-03-11"]])] as [([PartitionKey], [[String?]])] {
            let got = projected(keys, values)
            #expect(!got.on && got.notes.count == 1, "\(values): \(got)")
        }
    }
}
