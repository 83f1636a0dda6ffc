@testable import LakeConv
import LakeJSON
import LakeParquet
import LakeTestSupport
import Testing

/// The fast path (`DirectRecordReader`) must give exactly what the tape path gives for every
/// record it accepts, and accept nothing the tape path rejects: checked on hand-picked records
/// and on thousands of mutations of them, for every schema variant it meets.
@Suite struct DirectRecordReaderTests {
    /// (record, whether the fast path must accept it unmutated)
    static let records: [(String, Bool)] = [
        (#"{"id":7,"name":"a","ts":"2021-03-01T00:00:00.123Z","day":"2021-03-01","amount":1.5,"flag":true,"dev":{"os":"ios","w":3,"scr":{"h":2}},"tags":["x","y"],"big":12345678901234567890,"pts":[{"x":1,"y":"a"},{"x":2}],"grid":[[1,2],[3]],"any":{"k":[1,"a"]}}"#, false),
        (#"{"id":7,"name":"a","ts":"2021-03-01T00:00:00.123Z","day":"2021-03-01","amount":1.5,"flag":true,"dev":{"os":"ios","w":3,"scr":{"h":2}},"tags":["x","y"],"pts":[{"x":1,"y":"a"},{"x":2}],"grid":[[1,2],[3]]}"#, true),
        (#"  { "id" : 8 , "name" : "b c" ,\#t"tags" : [ "x" , "y" ] , "grid" : [ [ ] , [ 4 ] ] }  "#, true),
        (#"{"id":null,"dev":null,"tags":null,"big":null,"pts":null,"any":null}"#, true),
        (#"{}"#, true),
        (#"{"dev":{},"tags":[],"pts":[],"grid":[]}"#, true),
        (#"{"name":"é中文🚀 x","dev":{"os":"ünï"},"tags":["テスト",null]}"#, true),
        (#"{"name":"a\"b\\c\u00e9\ud83d\ude80\/\b\f\n\r\t","tags":["\u0000"]}"#, true),  // (see `handPicked`)
        (#"{"id":-9223372036854775808,"amount":-0.0,"flag":false}"#, true),
        (#"{"id":0,"amount":12}"#, true),
        (#"{"amount":-0}"#, true),
        (#"{"amount":0.05,"id":-1}"#, true),
        (#"{"amount":1e5}"#, false),
        (#"{"amount":0.1234567890123456789}"#, false),
        (#"{"name":"z","id":1}"#, true),
        (#"{"id":1,"id":2}"#, false),
        (#"{"ts":"2021-03-01T00:00:00+01:00","day":"2020-02-29","ts2":"2021-03-01 10:00:00.123456Z"}"#, true),
        (#"{"any":"text"}"#, false),  // a column of mixed kinds holds JSON text: the tape path's
        (#"{"big":-1}"#, true),  // a double column under the default policy (see `handPicked`)
        (#"{"uid":"123e4567-e89b-12d3-a456-426614174000","id":3}"#, true),  // a UUID column (--infer-uuid)
        (#"{"tags":["z"],"uid":"ABCDEF01-2345-6789-abcd-EF0123456789"}"#, true),
        (#"{"uid":"\u0031\u00323e4567-e89b-12d3-a456-426614174000"}"#, false),  // escaped: the tape path's
    ]

    struct Variant: CustomStringConvertible, Sendable {
        var bigIntegers: BigIntegerPolicy
        var exactKinds: Bool
        var ignoreName: Bool
        var description: String { "\(bigIntegers) exact:\(exactKinds) ignore-name:\(ignoreName)" }
    }

    static let variants: [Variant] = [BigIntegerPolicy.double, .decimal, .string].flatMap { policy in
        [false, true].flatMap { exact in [false, true].map { Variant(bigIntegers: policy, exactKinds: exact, ignoreName: $0) } }
    }

    static func inferredFields(_ bigIntegers: BigIntegerPolicy) throws -> [Field] {
        var evidence = SchemaEvidence()
        var parser = JSONParser()
        for (record, _) in records {
            try Array(record.utf8).withUnsafeBytes { bytes in
                try parser.parse(bytes)
                evidence.observe(parser.tape, source: bytes)
            }
        }
        var options = InferenceOptions()
        options.bigIntegers = bigIntegers
        options.detectsUUIDs = true
        return try evidence.resolve(options).fields
    }

    /// Both paths over the same records, side by side.
    struct Pair {
        let schema: Schema
        var tapeBuilder: TapeColumnBuilder
        var directBuilder: TapeColumnBuilder
        var reader: DirectRecordReader
        var parser = JSONParser()
        var accepted = 0
        var tapeMembers: [String] = []

        init(_ variant: Variant) throws {
            let fields = try DirectRecordReaderTests.inferredFields(variant.bigIntegers)
            let stored = variant.ignoreName ? fields.filter { $0.name != "name" } : fields
            schema = try Schema(stored)
            let plan = ColumnPlan(fields, pathOnly: variant.ignoreName ? ["name"] : [])
            tapeBuilder = TapeColumnBuilder(schema: schema, plan: plan, rollback: true, exactKinds: variant.exactKinds)
            directBuilder = TapeColumnBuilder(schema: schema, plan: plan, rollback: true, exactKinds: variant.exactKinds)
            // Partition columns are captured: every top-level member here, `name` only when it is
            // path-only (so escapes in it are read as a stored column and declined as a key).
            let tapeMembers = fields.map(\.name).filter { $0 != "name" || variant.ignoreName }
            reader = DirectRecordReader(plan: DirectReadingPlan(plan, capturedMembers: tapeMembers), columnCount: schema.columns.count, limits: JSONLimits())!
            self.tapeMembers = tapeMembers
        }

        /// The tape path's verdict: a row, or nil (not JSON, not an object, or not fitting).
        static func tapeRow(_ bytes: UnsafeRawBufferPointer, _ parser: inout JSONParser, into builder: inout TapeColumnBuilder) -> Bool {
            do { try parser.parse(bytes) } catch { return false }
            guard parser.tape.tokens[0].kind == .objectStart else { return false }
            do { try builder.append(parser.tape, source: bytes) } catch { return false }
            return true
        }

        /// Feeds one record to both; returns whether the fast path took it.
        mutating func feed(_ record: [UInt8]) -> Bool {
            record.withUnsafeBytes { bytes in
                let isRow = Self.tapeRow(bytes, &parser, into: &tapeBuilder)
                if directBuilder.appendDirect(bytes, &reader) {
                    accepted += 1
                    #expect(isRow, "the fast path took a record the tape path rejects: \(String(decoding: record, as: UTF8.self))")
                    if isRow { compareTopLevel(bytes, String(decoding: record, as: UTF8.self)) }
                    return true
                }
                let fallbackRow = Self.tapeRow(bytes, &parser, into: &directBuilder)
                #expect(fallbackRow == isRow)
                return false
            }
        }

        /// The captured members, as the shallow tape the partition keyer's full path reads, must
        /// match the parser's top level.
        func compareTopLevel(_ source: UnsafeRawBufferPointer, _ text: String) {
            let full = parser.tape
            var shallow = JSONTape()
            var valueIndex: [Int] = []
            CapturedMember.shallowTape(reader.captured, count: tapeMembers.count, into: &shallow, valueIndex: &valueIndex)
            for (k, name) in tapeMembers.enumerated() where valueIndex[k] >= 0 {
                #expect(shallow.withText(of: valueIndex[k] - 1, source: source) { Array($0) } == Array(name.utf8), "\(text)")
            }
            var i = 1
            var j = 1
            let end = Int(full.tokens[0].payload)
            while i < end {
                let name = full.withText(of: i, source: source) { String(decoding: $0, as: UTF8.self) }
                guard tapeMembers.contains(name) else {
                    i = full.next(after: i + 1)
                    continue
                }
                guard j < Int(shallow.tokens[0].payload) else {
                    Issue.record("shallow tape ends early: \(text)")
                    return
                }
                let key = full.withText(of: i, source: source) { Array($0) }
                #expect(key == shallow.withText(of: j, source: source) { Array($0) }, "\(text)")
                let a = full.tokens[i + 1]
                let b = shallow.tokens[j + 1]
                #expect(a.kind == b.kind, "\(text)")
                #expect(full.sourceRange(of: i + 1) == shallow.sourceRange(of: j + 1), "\(text)")
                if a.kind == .integer || a.kind == .double { #expect(a.payload == b.payload, "\(text)") }
                if a.kind == .string {
                    #expect(full.withText(of: i + 1, source: source) { Array($0) } == shallow.withText(of: j + 1, source: source) { Array($0) })
                }
                i = full.next(after: i + 1)
                j = shallow.next(after: j + 1)
            }
            #expect(j == Int(shallow.tokens[0].payload), "shallow tape has extra members: \(text)")
        }

        /// Both builders' columns, compared value for value (doubles by bit pattern).
        mutating func compareColumns() {
            #expect(tapeBuilder.rows == directBuilder.rows)
            let a = tapeBuilder.takeBatch()
            let b = directBuilder.takeBatch()
            for (x, y) in zip(a.columns, b.columns) {
                let path = x.descriptor.path.joined(separator: ".")
                #expect(x.levelCount == y.levelCount, "\(path)")
                #expect(x.definitionLevels == y.definitionLevels, "\(path)")
                #expect(x.repetitionLevels == y.repetitionLevels, "\(path)")
                #expect(x.booleans == y.booleans, "\(path)")
                #expect(x.int32s == y.int32s, "\(path)")
                #expect(x.int64s == y.int64s, "\(path)")
                #expect(x.doubles.map(\.bitPattern) == y.doubles.map(\.bitPattern), "\(path)")
                #expect(x.byteArrays == y.byteArrays, "\(path)")
            }
        }
    }

    @Test("records the fast path must take, and ones it must leave to the tape path", arguments: variants)
    func handPicked(_ variant: Variant) throws {
        var pair = try Pair(variant)
        for (record, mustAccept) in Self.records {
            let took = pair.feed(Array(record.utf8))
            // `big` holds integers beyond int64: a DECIMAL column (declined) or a string column
            // (an integer there takes the tape path, which keeps its digits) under those policies.
            let bigOnly = record == #"{"big":-1}"#
            // Escapes in a partition column's value: the keyer needs the decoded text, so declined.
            let escapedPartition = variant.ignoreName && record.contains(#"\u00e9"#)
            if mustAccept && !(bigOnly && variant.bigIntegers != .double) && !escapedPartition {
                #expect(took, "declined: \(record)")
            }
            if !mustAccept { #expect(!took, "took: \(record)") }
        }
        pair.compareColumns()
    }

    static let mutationsPerRecord = 300

    @Test("mutated records: whatever the fast path takes, the tape path takes identically", arguments: variants)
    func mutated(_ variant: Variant) throws {
        var pair = try Pair(variant)
        var random = SplitMix64(seed: 0x5EED_0000 &+ UInt64(Self.variants.firstIndex { $0.description == variant.description }!))
        let palette: [[UInt8]] = ["{", "}", "[", "]", "\"", "\\", ",", ":", "0", "1", "9", "-", ".", "e", "t", "n", " ", "\t", "a", "é", "中", "u", #"\u00"#, #"\ud8"#, #"\udc"#, "E"].map { Array($0.utf8) } + [[0x80], [0xFF], [0x01], [0xC3], [0xED, 0xA0, 0x80]]
        var took = 0
        var fed = 0
        for (record, _) in Self.records {
            let original = Array(record.utf8)
            for _ in 0..<Self.mutationsPerRecord {
                var bytes = original
                for _ in 0..<(1 + Int(random.next() % 2)) {
                    let at = Int(random.next() % UInt64(bytes.count + 1))
                    switch random.next() % 4 {
                    case 0 where at < bytes.count: bytes.remove(at: at)
                    case 1: bytes.insert(contentsOf: palette[Int(random.next() % UInt64(palette.count))], at: at)
                    case 2 where at < bytes.count: bytes.replaceSubrange(at...at, with: palette[Int(random.next() % UInt64(palette.count))])
                    default:
                        let from = Int(random.next() % UInt64(bytes.count))
                        let length = min(bytes.count - from, 1 + Int(random.next() % 12))
                        bytes.insert(contentsOf: bytes[from..<(from + length)], at: at)
                    }
                }
                if pair.feed(bytes) { took += 1 }
                fed += 1
            }
        }
        pair.compareColumns()
        // The mutations must still reach the fast path often, or this test checks nothing.
        #expect(took > fed / 100, "the fast path took \(took) of \(fed) mutated records")
    }

    @Test("keys of every length match only themselves: one changed byte anywhere, or one more or fewer, declines")
    func keyMatching() throws {
        // Quoted names from 3 to 34 bytes: the first word, the last word and the middle (memcmp)
        // of the match all decide some of these.
        func name(length: Int) -> String {
            var bytes: [UInt8] = []
            for k in 0..<length { bytes.append(UInt8(97 + (k * 7 + length) % 26)) }
            return String(decoding: bytes, as: UTF8.self)
        }
        let names = (1...32).map { name(length: $0) }
        let fields = names.map { Field($0, .int64) }
        let schema = try Schema(fields)
        let plan = ColumnPlan(fields)
        var builder = TapeColumnBuilder(schema: schema, plan: plan, rollback: true)
        var reader = DirectRecordReader(plan: DirectReadingPlan(plan), columnCount: schema.columns.count, limits: JSONLimits())!
        let known = Set(names)
        func take(_ key: String, _ value: Int) -> Bool {
            Array(#"{"\#(key)":\#(value)}"#.utf8).withUnsafeBytes { builder.appendDirect($0, &reader) }
        }
        var rows = 0
        for (column, name) in names.enumerated() {
            #expect(take(name, column), "\(name)")
            rows += 1
            var near: [String] = [name + "x", String(name.dropLast())]
            let bytes = Array(name.utf8)
            for k in bytes.indices {
                var changed = bytes
                changed[k] = bytes[k] == UInt8(ascii: "z") ? UInt8(ascii: "y") : UInt8(ascii: "z")
                near.append(String(decoding: changed, as: UTF8.self))
            }
            for key in near where !known.contains(key) {
                #expect(!take(key, -1), "took the unknown key \(key) (near \(name))")
            }
        }
        let batch = builder.takeBatch()
        #expect(batch.rowCount == rows)
        for (column, name) in names.enumerated() {
            // Row `column` holds its value in its own column only.
            let levels = batch.columns[column].definitionLevels
            #expect(levels.indices.filter { levels[$0] == 1 } == [column], "\(name)")
            #expect(batch.columns[column].int64s == [Int64(column)], "\(name)")
        }
    }

    @Test("a key that needs escaping never matches its raw bytes")
    func escapedKeyNames() throws {
        let fields = [Field("a\"b", .int64), Field("c\\d", .int64), Field("e", .int64)]
        let schema = try Schema(fields)
        let plan = ColumnPlan(fields)
        var builder = TapeColumnBuilder(schema: schema, plan: plan, rollback: true)
        var reader = DirectRecordReader(plan: DirectReadingPlan(plan), columnCount: schema.columns.count, limits: JSONLimits())!
        for record in [#"{"a"b":1}"#, #"{"c\d":1}"#, #"{"a\"b":1}"#, #"{"c\\d":2,"e":3}"#] {
            let took = Array(record.utf8).withUnsafeBytes { builder.appendDirect($0, &reader) }
            #expect(!took, "\(record)")
        }
        #expect(Array(#"{"e":3}"#.utf8).withUnsafeBytes { builder.appendDirect($0, &reader) })
    }

    @Test("eight digits at once: every digit in every place, and every non-digit byte refused")
    func eightDigits() {
        func word(_ text: [UInt8]) -> UInt64 { text.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) } }
        for text in ["00000000", "12345678", "99999999", "90000001", "00000009", "31415926"] {
            #expect(DirectRecordReader.isEightDigits(word(Array(text.utf8))))
            #expect(DirectRecordReader.eightDigitsValue(word(Array(text.utf8))) == UInt64(text)!)
        }
        for place in 0..<8 {
            for digit in UInt8(ascii: "0")...UInt8(ascii: "9") {
                var text = Array("00000000".utf8)
                text[place] = digit
                #expect(DirectRecordReader.eightDigitsValue(word(text)) == UInt64(String(decoding: text, as: UTF8.self))!)
            }
            for byte in 0...255 where !(48...57).contains(byte) {
                var text = Array("12345678".utf8)
                text[place] = UInt8(byte)
                #expect(!DirectRecordReader.isEightDigits(word(text)), "byte \(byte) at \(place)")
            }
        }
    }

    @Test("limits tighter than the fast path checks turn it off")
    func limits() throws {
        let plan = ColumnPlan(try Self.inferredFields(.double))
        let direct = DirectReadingPlan(plan)
        #expect(direct.depth == 3)  // record → grid (list) → its lists; dev → scr is 3 too
        #expect(DirectRecordReader(plan: direct, columnCount: 1, limits: JSONLimits(maxDepth: 2)) == nil)
        #expect(DirectRecordReader(plan: direct, columnCount: 1, limits: JSONLimits(maxNumberLength: 16)) == nil)
        let reader = DirectRecordReader(plan: direct, columnCount: 1, limits: JSONLimits(maxDepth: 3))
        #expect(reader != nil)
    }
}
