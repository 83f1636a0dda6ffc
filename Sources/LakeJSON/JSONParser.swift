// A strict RFC 8259 parser for one record, producing a `JSONTape`.
// Spec: https://www.rfc-editor.org/rfc/rfc8259
//
//   value   := ws (object | array | string | number | true | false | null) ws
//   object  := '{' ws (string ws ':' value (',' ws string ws ':' value)*)? '}'
//   array   := '[' value (',' value)* ']'  |  '[' ws ']'
//   string  := '"' (unescaped | '\' ("\"" | "\\" | "/" | b | f | n | r | t | u XXXX))* '"'
//              unescaped: any Unicode scalar ≥ U+0020 except '"' and '\', as valid UTF-8
//              \uD800–\uDBFF must be followed by \uDC00–\uDFFF (a pair); a lone surrogate is rejected
//   number  := '-'? ('0' | [1-9][0-9]*) ('.' [0-9]+)? ([eE] [+-]? [0-9]+)?
//   ws      := (space | tab | LF | CR)*
//
// The parser is iterative (an explicit container stack), so nesting depth costs heap, not
// call stack, and stops at `JSONLimits.maxDepth`. String bodies are scanned 8 bytes at a time
// (SWAR) for '"', '\', control bytes and non-ASCII; only those bytes take the slow path.

/// Parses records into a reusable tape.
public struct JSONParser: Sendable {
    public var limits: JSONLimits
    public private(set) var tape = JSONTape()
    private var stack: [Int] = []

    public init(limits: JSONLimits = JSONLimits()) {
        self.limits = limits
    }

    /// Parses one complete JSON value (the whole of `source`, surrounding whitespace allowed).
    public mutating func parse(_ source: UnsafeRawBufferPointer) throws(JSONError) {
        tape.removeAll()
        stack.removeAll(keepingCapacity: true)
        var cursor = Cursor(base: source.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: source.count)
        try parseDocument(&cursor)
    }

    private struct Cursor {
        let base: UnsafeRawPointer
        let count: Int
        var i = 0

        @inline(__always) var atEnd: Bool { i >= count }
        @inline(__always) func peek() -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }

        @inline(__always) mutating func skipWhitespace() {
            while i < count {
                let c = peek()
                guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
                i += 1
            }
        }
    }

    private func fail(_ message: String, _ at: Int, _ code: JSONError.Code = .invalidJSON) -> JSONError {
        JSONError(code, message, at: at)
    }

    private mutating func parseDocument(_ c: inout Cursor) throws(JSONError) {
        c.skipWhitespace()
        guard !c.atEnd else { throw fail("empty input", c.i) }
        while true {
            // At a value.
            guard !c.atEnd else { throw fail("unexpected end of input, expected a value", c.i) }
            let ch = c.peek()
            switch ch {
            case UInt8(ascii: "{"):
                try open(.objectStart, &c)
                c.skipWhitespace()
                guard !c.atEnd else { throw fail("unexpected end of input in an object", c.i) }
                if c.peek() == UInt8(ascii: "}") {
                    close(.objectEnd, &c)
                } else {
                    try parseKey(&c)
                    continue
                }
            case UInt8(ascii: "["):
                try open(.arrayStart, &c)
                c.skipWhitespace()
                guard !c.atEnd else { throw fail("unexpected end of input in an array", c.i) }
                if c.peek() == UInt8(ascii: "]") {
                    close(.arrayEnd, &c)
                } else {
                    continue
                }
            case UInt8(ascii: "\""):
                try parseString(&c, kind: .string)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try parseNumber(&c)
            case UInt8(ascii: "t"): try parseLiteral(&c, "true", .true)
            case UInt8(ascii: "f"): try parseLiteral(&c, "false", .false)
            case UInt8(ascii: "n"): try parseLiteral(&c, "null", .null)
            default:
                throw fail(unexpected(ch, expected: "a value"), c.i)
            }
            // After a value: close containers or move to the next element.
            while true {
                c.skipWhitespace()
                guard let top = stack.last else {
                    guard c.atEnd else { throw fail(unexpected(c.peek(), expected: "the end of the record"), c.i) }
                    return
                }
                guard !c.atEnd else { throw fail("unexpected end of input, a container is not closed", c.i) }
                let next = c.peek()
                let inObject = tape.tokens[top].kind == .objectStart
                if next == UInt8(ascii: ",") {
                    c.i += 1
                    c.skipWhitespace()
                    if inObject { try parseKey(&c) }
                    break
                } else if inObject && next == UInt8(ascii: "}") {
                    close(.objectEnd, &c)
                } else if !inObject && next == UInt8(ascii: "]") {
                    close(.arrayEnd, &c)
                } else {
                    throw fail(unexpected(next, expected: inObject ? "',' or '}'" : "',' or ']'"), c.i)
                }
            }
        }
    }

    private func unexpected(_ byte: UInt8, expected: String) -> String {
        let shown = byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
        return "unexpected \(shown), expected \(expected)"
    }

    @inline(__always)
    private mutating func open(_ kind: JSONTape.Kind, _ c: inout Cursor) throws(JSONError) {
        guard stack.count < limits.maxDepth else {
            throw fail("nesting deeper than \(limits.maxDepth)", c.i, .tooDeep)
        }
        stack.append(tape.tokens.count)
        tape.tokens.append(JSONTape.Token(kind: kind, escaped: false, start: UInt32(c.i), end: UInt32(c.i + 1), payload: 0))
        c.i += 1
    }

    @inline(__always)
    private mutating func close(_ kind: JSONTape.Kind, _ c: inout Cursor) {
        let startIndex = stack.removeLast()
        tape.tokens[startIndex].payload = UInt64(tape.tokens.count)
        tape.tokens.append(JSONTape.Token(kind: kind, escaped: false, start: UInt32(c.i), end: UInt32(c.i + 1), payload: UInt64(startIndex)))
        c.i += 1
    }

    /// A key, the colon, and whitespace up to the value.
    private mutating func parseKey(_ c: inout Cursor) throws(JSONError) {
        guard !c.atEnd, c.peek() == UInt8(ascii: "\"") else {
            throw fail(c.atEnd ? "unexpected end of input, expected a key" : unexpected(c.peek(), expected: "a string key"), c.i)
        }
        try parseString(&c, kind: .key)
        c.skipWhitespace()
        guard !c.atEnd, c.peek() == UInt8(ascii: ":") else {
            throw fail(c.atEnd ? "unexpected end of input, expected ':'" : unexpected(c.peek(), expected: "':'"), c.i)
        }
        c.i += 1
        c.skipWhitespace()
    }

    private mutating func parseLiteral(_ c: inout Cursor, _ word: StaticString, _ kind: JSONTape.Kind) throws(JSONError) {
        let n = word.utf8CodeUnitCount
        let start = c.i
        guard c.i + n <= c.count else { throw fail("invalid literal", start) }
        let text = word.utf8Start
        for k in 0..<n where c.byte(c.i + k) != text[k] { throw fail("invalid literal", start) }
        c.i += n
        tape.tokens.append(JSONTape.Token(kind: kind, escaped: false, start: UInt32(start), end: UInt32(c.i), payload: 0))
    }

    // MARK: Strings

    private mutating func parseString(_ c: inout Cursor, kind: JSONTape.Kind) throws(JSONError) {
        let start = c.i
        c.i += 1  // opening quote
        var decodedStart = -1  // ≥ 0 once an escape was seen: text so far is copied to `decoded`
        var runStart = c.i  // start of the raw run not yet copied (escaped strings only)
        while true {
            // Fast scan over plain ASCII, 8 bytes at a time.
            c.i = JSONStringScan.skipPlain(c.base, from: c.i, count: c.count)
            guard !c.atEnd else { throw fail("unterminated string", start) }
            let ch = c.peek()
            if ch == UInt8(ascii: "\"") {
                if decodedStart >= 0 {
                    appendDecoded(c, from: runStart, to: c.i)
                }
                c.i += 1
                var token = JSONTape.Token(kind: kind, escaped: decodedStart >= 0, start: UInt32(start), end: UInt32(c.i), payload: 0)
                if decodedStart >= 0 {
                    token.payload = UInt64(decodedStart) << 32 | UInt64(tape.decoded.count - decodedStart)
                }
                tape.tokens.append(token)
                return
            } else if ch == UInt8(ascii: "\\") {
                if decodedStart < 0 {
                    decodedStart = tape.decoded.count
                    runStart = start + 1
                }
                appendDecoded(c, from: runStart, to: c.i)
                try parseEscape(&c)
                runStart = c.i
            } else if ch < 0x20 {
                throw fail("unescaped control character 0x\(String(ch, radix: 16, uppercase: true)) in a string", c.i)
            } else if ch >= 0x80 {
                try validateUTF8Sequence(&c)
            } else {
                c.i += 1  // a plain byte in the tail (< 8 bytes left)
            }
        }
    }

    @inline(__always)
    private mutating func appendDecoded(_ c: Cursor, from: Int, to: Int) {
        guard to > from else { return }
        tape.decoded.append(contentsOf: UnsafeRawBufferPointer(start: c.base + from, count: to - from))
    }

    private mutating func parseEscape(_ c: inout Cursor) throws(JSONError) {
        let at = c.i
        func hex(_ v: UInt32) -> String { String(v, radix: 16) }
        switch JSONStringScan.escape(c.base, at: c.i, count: c.count) {
        case .scalar(let scalar, let length):
            let (bytes, n) = JSONStringScan.utf8(scalar)
            withUnsafeBytes(of: bytes.littleEndian) { tape.decoded.append(contentsOf: $0[0..<n]) }
            c.i += length
        case .unterminated: throw fail("unterminated escape", at)
        case .invalid: throw fail("invalid escape", at)
        case .truncatedUnicode: throw fail("truncated \\u escape", at)
        case .invalidHexDigit: throw fail("invalid hex digit in \\u escape", at)
        case .loneHighSurrogate(let high): throw fail("lone surrogate \\u\(hex(high)) (no low surrogate follows)", at, .invalidUTF8)
        case .unpairedHighSurrogate(let high, let next):
            throw fail("high surrogate \\u\(hex(high)) followed by \\u\(hex(next)), not a low surrogate", at, .invalidUTF8)
        case .loneLowSurrogate(let low): throw fail("lone low surrogate \\u\(hex(low))", at, .invalidUTF8)
        }
    }

    /// One multi-byte UTF-8 sequence (Unicode 15 table 3-7: no overlongs, no surrogates, ≤ U+10FFFF).
    private func validateUTF8Sequence(_ c: inout Cursor) throws(JSONError) {
        switch JSONStringScan.utf8Sequence(c.base, at: c.i, count: c.count) {
        case .valid(let length): c.i += length
        case .invalidLead: throw fail("invalid UTF-8 lead byte 0x\(String(c.peek(), radix: 16, uppercase: true))", c.i, .invalidUTF8)
        case .truncated: throw fail("truncated UTF-8 sequence", c.i, .invalidUTF8)
        case .invalidSecond: throw fail("invalid UTF-8 sequence", c.i, .invalidUTF8)
        case .invalidContinuation: throw fail("invalid UTF-8 continuation byte", c.i, .invalidUTF8)
        }
    }

    // MARK: Numbers

    /// 10^0 ... 10^22, every one exact in a Double: a mantissa below 2^53 scaled by one of them
    /// is correctly rounded (Clinger's fast path), for any reader that builds numbers that way.
    public static let exactPowersOfTen: [Double] = (0...22).map { p in
        var v = 1.0
        for _ in 0..<p { v *= 10 }
        return v
    }

    private mutating func parseNumber(_ c: inout Cursor) throws(JSONError) {
        let start = c.i
        var negative = false
        if c.peek() == UInt8(ascii: "-") {
            negative = true
            c.i += 1
        }
        guard !c.atEnd, case let d = c.peek(), d >= 48 && d <= 57 else { throw fail("invalid number: a digit must follow '-'", start, .invalidNumber) }
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits accumulated in `mantissa` (≤ 19)
        var droppedDigits = 0  // integer digits beyond 19, which scale the value
        var exactMantissa = true
        if c.peek() == 48 {
            c.i += 1
            if !c.atEnd, case let n = c.peek(), n >= 48 && n <= 57 { throw fail("invalid number: leading zero", start, .invalidNumber) }
        } else {
            while !c.atEnd, case let n = c.peek(), n >= 48 && n <= 57 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(n - 48)
                    digits += 1
                } else {
                    droppedDigits += 1
                    exactMantissa = false
                }
                c.i += 1
            }
        }
        var isInteger = true
        var fractionDigits = 0
        if !c.atEnd && c.peek() == UInt8(ascii: ".") {
            isInteger = false
            c.i += 1
            guard !c.atEnd, case let f = c.peek(), f >= 48 && f <= 57 else { throw fail("invalid number: a digit must follow '.'", start, .invalidNumber) }
            while !c.atEnd, case let n = c.peek(), n >= 48 && n <= 57 {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(n - 48)
                    digits += 1
                    fractionDigits += 1
                } else if n != 48 {
                    exactMantissa = false
                }
                c.i += 1
            }
        }
        var exponent = 0
        if !c.atEnd && (c.peek() == UInt8(ascii: "e") || c.peek() == UInt8(ascii: "E")) {
            isInteger = false
            c.i += 1
            var expNegative = false
            if !c.atEnd && (c.peek() == UInt8(ascii: "+") || c.peek() == UInt8(ascii: "-")) {
                expNegative = c.peek() == UInt8(ascii: "-")
                c.i += 1
            }
            guard !c.atEnd, case let e = c.peek(), e >= 48 && e <= 57 else { throw fail("invalid number: a digit must follow the exponent", start, .invalidNumber) }
            while !c.atEnd, case let n = c.peek(), n >= 48 && n <= 57 {
                if exponent < 100_000 { exponent = exponent * 10 + Int(n - 48) }
                c.i += 1
            }
            if expNegative { exponent = -exponent }
        }
        let length = c.i - start
        guard length <= limits.maxNumberLength else {
            throw fail("number literal of \(length) bytes is longer than \(limits.maxNumberLength)", start, .numberTooLong)
        }
        if isInteger && exactMantissa && (mantissa <= UInt64(Int64.max) || (negative && mantissa == UInt64(Int64.max) + 1)) {
            let value = negative ? Int64(bitPattern: 0 &- mantissa) : Int64(mantissa)
            tape.tokens.append(JSONTape.Token(kind: .integer, escaped: false, start: UInt32(start), end: UInt32(c.i), payload: UInt64(bitPattern: value)))
            return
        }
        // A double: exact fast path (Clinger) when the mantissa and the power of ten are both
        // exactly representable; otherwise the correctly rounded conversion of the text.
        let scale = exponent - fractionDigits + droppedDigits
        var value: Double
        if exactMantissa && mantissa < (1 << 53) && abs(scale) <= 22 {
            value = Double(mantissa)
            value = scale < 0 ? value / Self.exactPowersOfTen[-scale] : value * Self.exactPowersOfTen[scale]
            if negative { value = -value }
        } else {
            let text = String(decoding: UnsafeRawBufferPointer(start: c.base + start, count: length), as: UTF8.self)
            guard let parsed = Double(text) else { throw fail("invalid number", start, .invalidNumber) }
            value = parsed
        }
        guard value.isFinite else { throw fail("number out of range", start, .invalidNumber) }
        let kind: JSONTape.Kind = isInteger ? .bigInteger : .double
        tape.tokens.append(JSONTape.Token(kind: kind, escaped: false, start: UInt32(start), end: UInt32(c.i), payload: value.bitPattern))
    }
}
