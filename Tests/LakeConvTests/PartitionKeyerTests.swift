@testable import LakeConv
import LakeJSON
import LakeParquet
import Testing

/// The partition keyer reads a record two ways: from the tape path's parsed record
/// (`partition(of:source:)`) and from the members the direct reader captured
/// (`partition(captured:source:)`, where a timestamp's key comes from the value the reader
/// stored). Both must give every record the same partition, or the same failure.
@Suite struct PartitionKeyerTests {
    // Computed, not a stored static: a once-initialised global holding indirect enum boxes is
    // reported as a leak by LeakSanitizer in the ASan run.
    static var fields: [Field] {
        [
        Field("ts", .timestamp(.micros, isAdjustedToUTC: true)),
        Field("ms", .timestamp(.millis, isAdjustedToUTC: true)),
        Field("d", .date),
        Field("text", .string),
        Field("n", .int64),
        Field("x", .double),
        Field("flag", .boolean),
        Field("obj", .struct([Field("a", .int64)])),
        ]
    }

    static let records: [String] = [
        #"{"ts":"2021-03-01T00:00:00.004Z","ms":"2021-03-01T23:59:59.999Z","d":"2021-03-01","text":"web","n":1,"x":1.5,"flag":true}"#,
        #"{"ts":"2021-03-01T23:30:00+05:30","ms":"1969-12-31T23:59:59.999Z","d":"1969-12-31","text":"ios","n":-7,"x":-0.0,"flag":false}"#,
        #"{"ts":"1969-12-31T23:59:59.999999Z","ms":"1970-01-01T00:00:00Z","d":"0001-01-01","text":"","n":0,"x":1.0,"flag":null}"#,
        // The same UTC hour as the one before: one local hour at +05:30, two at -08:00 (half hours apart).
        #"{"ts":"1969-12-31T23:00:00.5Z","ms":"1970-01-01T00:59:59.999Z","d":"0001-01-01","text":"","n":0}"#,
        #"{"ts":"1969-12-31T23:29:00Z","ms":"1970-01-01T00:30:00Z","d":"0001-01-02","text":"","n":0}"#,
        #"{"ts":"2021-03-01T00:00:00Z","x":1E0,"text":"tape path only"}"#,
        #"{"ts":"2020-02-29T12:00:00-08:00","ms":"2020-02-29T12:00:00.5-0800","d":"2020-02-29","text":null,"n":null,"x":null}"#,
        #"{"text":"web","n":1,"x":1.0,"ts":"2021-03-02T01:00:00Z","ms":"2021-03-02T01:00:00.001Z","d":"2021-03-02"}"#,
        #"{"ts":null,"ms":null,"d":null,"text":"android","n":9223372036854775807,"x":2.5}"#,
        #"{"text":"a/b=c","n":12,"obj":{"a":1}}"#,
        #"{"ts":"2021-03-01T00:00:00Z","text":"__HIVE_DEFAULT_PARTITION__","n":3}"#,
        #"{"ts":"0001-01-01T00:00:00Z","ms":"9999-12-31T23:59:59.999Z","d":"9999-12-31","text":"web","n":1}"#,
        #"{}"#,
        // Raw texts of 15 to 18 bytes, and two that differ only past their eighth byte; the
        // last value ends the record, where fewer than 16 bytes are left after it.
        #"{"text":"abcdefghijklm","n":1}"#, #"{"text":"abcdefghijklmn","n":1}"#, #"{"text":"abcdefghijklmno","n":1}"#,
        #"{"text":"abcdefghijklmnop","n":1}"#, #"{"text":"abcdefg1","n":1}"#, #"{"text":"abcdefg2","n":1}"#,
        #"{"n":123456789012345,"text":"ab"}"#, #"{"n":123456789012346,"text":"ab/"}"#,
    ]

    static let specSets: [[String]] = [
        ["date:ts:hour"], ["date:ms:day"], ["date:d:day"], ["date:ts:month"], ["date:text:day"],
        ["text"], ["n"], ["x"], ["flag"], ["hash:n:16"], ["hash:text:8"], ["hash:x:4"], ["hash:ts:4"],
        ["text", "date:ts:day"], ["date:ms:hour", "hash:n:16"], ["obj"],
    ]

    static let zones = [PartitionTimeZone.utc, PartitionTimeZone(offsetSeconds: 5 * 3600 + 1800), PartitionTimeZone(offsetSeconds: -8 * 3600)]

    enum Outcome: Equatable {
        case path(String)
        case failure(String)
    }

    @Test("captured members give the tape path's partitions and failures", arguments: specSets)
    func capturedMatchesTape(_ texts: [String]) throws {
        let specs = try texts.map { try PartitionSpec(parsing: $0) }
        for zone in Self.zones {
            for badDates in [false, true] {
                let keyer: PartitionKeyer
                do {
                    keyer = try PartitionKeyer(specs: specs, fields: Self.fields, layout: .nested, timeZone: zone, defaultPartitionForBadDates: badDates)
                } catch {
                    // Nested columns are refused up front: nothing to compare.
                    #expect(texts == ["obj"], "\(error)")
                    return
                }
                try compare(keyer, specs: texts, zone: zone)
            }
        }
    }

    func compare(_ template: PartitionKeyer, specs: [String], zone: PartitionTimeZone) throws {
        let schema = try Schema(Self.fields)
        let plan = ColumnPlan(Self.fields)
        let readingPlan = DirectReadingPlan(plan, capturedMembers: template.capturedColumns)
        var reader = try #require(DirectRecordReader(plan: readingPlan, columnCount: schema.columns.count, limits: JSONLimits()))
        var builder = TapeColumnBuilder(schema: schema, plan: plan, rollback: true)
        var tapeKeyer = template
        var capturedKeyer = template
        var parser = JSONParser()
        var compared = 0
        // Twice over (the second pass meets every key in the cache), then each record twice in a
        // row (the last hour's partition is reused).
        let sequence = Self.records + Self.records + Self.records.flatMap { [$0, $0] }
        for record in sequence {
            let bytes = Array(record.utf8)
            try bytes.withUnsafeBytes { source in
                try parser.parse(source)
                let expected: Outcome
                do throws(PartitionKeyer.Failure) {
                    let id = try tapeKeyer.partition(of: parser.tape, source: source)
                    expected = .path(tapeKeyer.partitions[Int(id)].path)
                } catch {
                    expected = .failure(error.reason)
                }
                guard builder.appendDirect(source, &reader) else { return }
                let got: Outcome
                do throws(PartitionKeyer.Failure) {
                    let id = try capturedKeyer.partition(captured: reader.captured, source: source)
                    got = .path(capturedKeyer.partitions[Int(id)].path)
                } catch {
                    got = .failure(error.reason)
                }
                #expect(got == expected, "\(specs) at \(zone.offsetSeconds) s: \(record)")
                compared += 1
            }
        }
        // Every record but the one with an exponent (which the direct reader leaves to the tape path).
        #expect(compared == 4 * (Self.records.count - 1), "the direct reader declined records it should read")
    }

    @Test("a local date past year 9999 (or before 0000) is a bad date, not a five-digit year directory")
    func yearRange() throws {
        let spec = try PartitionSpec(parsing: "date:ts:day")
        let late = #"{"ts":"9999-12-31T23:00:00Z"}"#
        let early = #"{"ts":"0000-01-01T00:30:00Z"}"#
        var parser = JSONParser()
        func outcome(_ record: String, zone: Int, badDates: Bool) throws -> Outcome {
            var keyer = try PartitionKeyer(specs: [spec], fields: Self.fields, layout: .nested, timeZone: PartitionTimeZone(offsetSeconds: zone), defaultPartitionForBadDates: badDates)
            return try Array(record.utf8).withUnsafeBytes { source in
                try parser.parse(source)
                do throws(PartitionKeyer.Failure) {
                    let id = try keyer.partition(of: parser.tape, source: source)
                    return .path(keyer.partitions[Int(id)].path)
                } catch {
                    return .failure(error.reason)
                }
            }
        }
        #expect(try outcome(late, zone: 0, badDates: false) == .path("year=9999/month=12/day=31"))
        #expect(try outcome(late, zone: 14 * 3600, badDates: false) == .failure("partition timestamp 'ts' falls in year 10000 on the partition clock (--timezone), outside 0000-9999"))
        #expect(try outcome(late, zone: 14 * 3600, badDates: true) == .path("year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__"))
        #expect(try outcome(early, zone: -3600, badDates: false) == .failure("partition timestamp 'ts' falls in year -1 on the partition clock (--timezone), outside 0000-9999"))
    }
}
