import Foundation
import LakeJSON
import Testing

@Suite struct JSONParserTests {
    static let suite = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/JSONTestSuite/test_parsing")

    static func files(_ prefix: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: suite.path)) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }

    func parse(_ bytes: [UInt8], limits: JSONLimits = JSONLimits()) -> Result<JSONTape, JSONError> {
        var parser = JSONParser(limits: limits)
        var result: Result<JSONTape, JSONError>!
        bytes.withUnsafeBytes { raw in
            do throws(JSONError) {
                try parser.parse(raw)
                result = .success(parser.tape)
            } catch { result = .failure(error) }
        }
        return result
    }

    func parse(_ text: String) -> Result<JSONTape, JSONError> { parse(Array(text.utf8)) }

    @Test("JSONTestSuite is present") func suitePresent() {
        #expect(Self.files("y_").count > 90 && Self.files("n_").count > 180)
    }

    @Test("every y_ file parses", arguments: files("y_"))
    func accepts(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.suite.appendingPathComponent(name)))
        if case .failure(let error) = parse(bytes) { Issue.record("\(name): \(error)") }
    }

    @Test("every n_ file is rejected", arguments: files("n_"))
    func rejects(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.suite.appendingPathComponent(name)))
        if case .success = parse(bytes) { Issue.record("\(name) was accepted") }
    }

    @Test("i_ files never crash", arguments: files("i_"))
    func implementationDefined(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.suite.appendingPathComponent(name)))
        _ = parse(bytes)
    }

    func single(_ text: String) throws -> JSONTape.Token {
        let tape = try parse(text).get()
        return tape.tokens[0]
    }

    @Test("numbers: exact integers, widened doubles, rejected forms")
    func numbers() throws {
        #expect(try single("9223372036854775807").payload == UInt64(bitPattern: Int64.max))
        #expect(try single("-9223372036854775808").payload == UInt64(bitPattern: Int64.min))
        #expect(try single("9007199254740993").payload == 9_007_199_254_740_993)
        #expect(try single("-0").kind == .integer)
        #expect(try single("-0").payload == 0)
        let negativeZero = try single("-0.0")
        #expect(negativeZero.kind == .double && Double(bitPattern: negativeZero.payload).sign == .minus)
        let big = try single("9223372036854775808")
        #expect(big.kind == .bigInteger && Double(bitPattern: big.payload) == 9_223_372_036_854_775_808.0)
        #expect(Double(bitPattern: try single("1E2").payload) == 100)
        #expect(Double(bitPattern: try single("-1.5e-3").payload) == -0.0015)
        for bad in ["01", "1.", ".5", "+1", "1e", "1e+", "-", "NaN", "Infinity", "-Infinity", "0x10", "1e400", "-1e400"] {
            if case .success = parse(bad) { Issue.record("\(bad) accepted") }
        }
    }

    @Test("double parsing is correctly rounded (fast path equals strtod)")
    func doubleRounding() throws {
        var state: UInt64 = 99
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let mantissa = state >> 11
            let exponent = Int(state % 60) - 30
            let text = "\(mantissa % 10_000_000_000_000_000)e\(exponent)"
            let token = try single(text)
            #expect(Double(bitPattern: token.payload) == Double(text)!, "\(text)")
            let decimal = "\(mantissa % 100_000).\(state % 1000)"
            #expect(Double(bitPattern: try single(decimal).payload) == Double(decimal)!, "\(decimal)")
        }
    }

    @Test("strings: escapes, surrogate pairs, specials at every word position")
    func strings() throws {
        var parser = JSONParser()
        let text = #"{"k":"a\"b\\c\/d\b\f\n\r\t\u00e9\u4e2d\ud83d\ude80"}"#
        try Array(text.utf8).withUnsafeBytes { raw throws in
            try parser.parse(raw)
            let decoded = parser.tape.withText(of: 2, source: raw) { String(decoding: $0, as: UTF8.self) }
            #expect(decoded == "a\"b\\c/d\u{8}\u{c}\n\r\té中🚀")
        }
        for position in 0..<20 {
            let prefix = String(repeating: "x", count: position)
            if case .failure(let e) = parse("\"\(prefix)é\"") { Issue.record("é at \(position): \(e)") }
            if case .success = parse("\"\(prefix)\u{1}\"") { Issue.record("control byte at \(position) accepted") }
            if case .success = parse(Array("\"\(prefix)".utf8) + [0xC3, 0x28, 0x22]) { Issue.record("bad UTF-8 at \(position) accepted") }
            let escaped = try parse("\"\(prefix)\\n\(prefix)\"").get()
            #expect(escaped.tokens[0].escaped)
        }
        for bad in [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#, #""\x""#, #""\u12""#] {
            if case .success = parse(bad) { Issue.record("\(bad) accepted") }
        }
        // Overlong, surrogate and out-of-range UTF-8 encodings.
        for bytes: [UInt8] in [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80]] {
            if case .success = parse([0x22] + bytes + [0x22]) { Issue.record("\(bytes) accepted") }
        }
    }

    @Test("depth limit makes an error, not a crash")
    func depth() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        guard case .failure(let error) = parse(Array(deep.utf8)) else {
            Issue.record("100,000-deep nesting accepted")
            return
        }
        #expect(error.code == .tooDeep)
        if case .failure = parse(Array((String(repeating: "[", count: 999) + String(repeating: "]", count: 999)).utf8)) {
            Issue.record("999-deep nesting rejected")
        }
    }

    @Test("tape: containers link to their ends; source ranges recover raw text")
    func tapeShape() throws {
        let text = #"{"a":[1,{"b":null}],"c":"x"}"#
        let tape = try parse(text).get()
        #expect(tape.tokens[0].kind == .objectStart && Int(tape.tokens[0].payload) == tape.tokens.count - 1)
        #expect(tape.next(after: 2) == 9)  // the whole array [1,{"b":null}] is skipped
        let range = tape.sourceRange(of: 2)
        #expect(String(decoding: Array(text.utf8)[range], as: UTF8.self) == #"[1,{"b":null}]"#)
    }
}
