import LakeConv
import Testing

@Suite struct PartitioningTests {
    @Test("Spark's Murmur3 (seed 42): values taken from Spark 4 `SELECT hash(...)`")
    func sparkHash() {
        #expect(SparkHash.hash(int: 1) == -559_580_957)
        #expect(SparkHash.hash(long: 1) == -1_712_319_331)
        #expect(SparkHash.hash(string: "") == 142_593_372)
        #expect(SparkHash.hash(string: "a") == 1_485_273_170)
        #expect(SparkHash.hash(string: "abc") == 1_322_437_556)
        #expect(SparkHash.hash(string: "abcd") == -396_302_900)
        #expect(SparkHash.hash(string: "héllo wörld") == -281_075_962)
        #expect(SparkHash.hash(long: 2_084_055_458_624_311_467) == 20_826_277)
        #expect(SparkHash.hash(double: -1.5) == 2_099_784_398)
        #expect(SparkHash.hash(double: 0.0) == -1_670_924_195)
        #expect(SparkHash.hash(double: -0.0) == -1_670_924_195)
        #expect(SparkHash.hash(int: 1) == -559_580_957)  // hash(true): booleans hash as the int 1
        #expect(SparkHash.bucket(SparkHash.hash(long: 2_084_055_458_624_311_467), buckets: 16) == 5)
        #expect(SparkHash.bucket(-7, buckets: 16) == 9)  // pmod, never negative
    }

    @Test("buckets are balanced over many values")
    func balance() {
        var counts = [Int](repeating: 0, count: 16)
        for i in 0..<160_000 { counts[SparkHash.bucket(SparkHash.hash(long: Int64(i) &* 2_654_435_761), buckets: 16)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 }, "\(counts)")
    }

    /// Hostile values and their exact directory names (Hive's escapePathName rules).
    @Test("hostile partition values", arguments: [
        ("web", "source=web"),
        ("../../etc", "source=..%2F..%2Fetc"),
        ("..", "source=.."),
        ("a/b\\c", "source=a%2Fb%5Cc"),
        ("k=v", "source=k%3Dv"),
        ("50%", "source=50%25"),
        ("it's \"quoted\"", "source=it%27s %22quoted%22"),
        ("a:b?c*d#e", "source=a%3Ab%3Fc%2Ad%23e"),
        ("{[x]^}", "source=%7B%5Bx%5D%5E}"),
        ("tab\there\nnl\u{7F}", "source=tab%09here%0Anl%7F"),
        ("\u{1}", "source=%01"),
        ("中文 🚀 é", "source=中文 🚀 é"),
        ("", "source=__HIVE_DEFAULT_PARTITION__"),
        ("__HIVE_DEFAULT_PARTITION__", "source=%5F_HIVE_DEFAULT_PARTITION__"),
        ("__hive_default_partition__", "source=%5F_hive_default_partition__"),
    ])
    func hostile(value: String, expected: String) {
        let segment = HivePath.segment(column: "source", value: value)
        #expect(segment == expected)
        #expect(!segment.contains("/"))
        if !value.isEmpty { #expect(HivePath.unescape(String(segment.dropFirst("source=".count))) == value) }
    }

    @Test("null is the default partition; column names are escaped too")
    func nullsAndNames() {
        #expect(HivePath.segment(column: "source", value: nil) == "source=__HIVE_DEFAULT_PARTITION__")
        #expect(HivePath.segment(column: "a=b", value: "x") == "a%3Db=x")
    }

    @Test("--partition-by forms and errors")
    func specs() throws {
        #expect(try PartitionSpec(parsing: "source") == .category(column: "source"))
        #expect(try PartitionSpec(parsing: "date:event_time:hour") == .date(column: "event_time", grain: .hour))
        #expect(try PartitionSpec(parsing: "hash:user_id:16") == .hash(column: "user_id", buckets: 16))
        for bad in ["", "date:t", "date:t:week", "hash:u:0", "hash:u:x", "device.os", "hash::4"] {
            #expect(throws: ConversionError.self, "\(bad)") { try PartitionSpec(parsing: bad) }
        }
        #expect(PartitionSpec.date(column: "t", grain: .day).keys(layout: .nested) == ["year", "month", "day"])
        #expect(PartitionSpec.date(column: "t", grain: .day).keys(layout: .single(key: "dt")) == ["dt"])
        #expect(try PartitionTimeZone(parsing: "-08:00").offsetSeconds == -28_800)
        #expect(throws: ConversionError.self) { try PartitionTimeZone(parsing: "Europe/Paris") }
    }
}
