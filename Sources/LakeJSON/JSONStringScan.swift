// String-body scanning kernels shared by the tape parser and the schema-directed reader.
// Spec: https://www.rfc-editor.org/rfc/rfc8259#section-7 (strings) and
// https://www.unicode.org/versions/Unicode15.0.0/ch03.pdf table 3-7 (well-formed UTF-8):
//
//   UTF8-2 := C2..DF 80..BF
//   UTF8-3 := E0 A0..BF 80..BF | (E1..EC | EE..EF) 80..BF 80..BF | ED 80..9F 80..BF
//   UTF8-4 := F0 90..BF 80..BF 80..BF | F1..F3 80..BF 80..BF 80..BF | F4 80..8F 80..BF 80..BF
//   escape := '\' ('"' | '\' | '/' | 'b' | 'f' | 'n' | 'r' | 't' | 'u' hex4)
//             a \uD800–\uDBFF must be followed by \uDC00–\uDFFF (one scalar); a lone surrogate is an error

/// Kernels for scanning JSON string bodies: which bytes need attention, and whether a
/// multi-byte UTF-8 sequence is well formed.
public enum JSONStringScan {
    /// SWAR over 8 bytes (little-endian word): the high bit set in each byte that is '"', '\',
    /// a control byte (< 0x20) or non-ASCII (≥ 0x80). Exact for the lowest flagged byte (borrows
    /// only propagate upward), which is all a scanner uses: `trailingZeroBitCount >> 3`.
    @inlinable @inline(__always)
    public static func specialBytes(_ w: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = w ^ (ones &* 0x22)
        let backslash = w ^ (ones &* 0x5C)
        let hasQuote = (quote &- ones) & ~quote
        let hasBackslash = (backslash &- ones) & ~backslash
        let hasControl = (w &- ones &* 0x20) & ~w
        return (hasQuote | hasBackslash | hasControl | w) & high
    }

    /// The index of the first byte at or after `i` that `specialBytes` flags: 16 bytes at a time
    /// (`skipPlainVectors`), then 8 (`skipPlainWords`). Stops at the last whole word (the caller
    /// handles the tail, at most 7 bytes, and the end of input).
    @inlinable @inline(__always)
    public static func skipPlain(_ base: UnsafeRawPointer, from i: Int, count: Int) -> Int {
        let j = skipPlainVectors(base, from: i, count: count)
        return j &+ 16 <= count ? j : skipPlainWords(base, from: j, count: count)
    }

    /// `skipPlain` over 16-byte vectors: stops at the first flagged byte, or where fewer than 16
    /// bytes are left. Four lane compares OR-ed into one mask; the mask's two 64-bit halves say
    /// whether any lane is set and which is first (a set lane is 0xFF: `trailingZeroBitCount >> 3`),
    /// with no bitmask fold. The constants are typed `SIMD16<UInt8>` values outside the loop: with
    /// literals inferred inside the expression the compiler emits a scalar loop per lane.
    /// (x86-64: `pcmpeqb` ×2, `pminub`+`pcmpeqb`, `pcmpgtb`, `por` ×3, `movmskps` per 16 bytes.)
    @inlinable @inline(__always)
    public static func skipPlainVectors(_ base: UnsafeRawPointer, from i: Int, count: Int) -> Int {
        let quote = SIMD16<UInt8>(repeating: 0x22)
        let backslash = SIMD16<UInt8>(repeating: 0x5C)
        let space = SIMD16<UInt8>(repeating: 0x20)
        let nonASCII = SIMD16<UInt8>(repeating: 0x80)
        var j = i
        while j &+ 16 <= count {
            let v = base.loadUnaligned(fromByteOffset: j, as: SIMD16<UInt8>.self)
            let special = (v .== quote) .| (v .== backslash) .| (v .< space) .| (v .>= nonASCII)
            let halves = unsafeBitCast(special, to: SIMD2<UInt64>.self)
            let low = UInt64(littleEndian: halves[0])
            let high = UInt64(littleEndian: halves[1])
            if low | high != 0 {
                return j &+ (low != 0 ? low.trailingZeroBitCount &>> 3 : 8 &+ high.trailingZeroBitCount &>> 3)
            }
            j &+= 16
        }
        return j
    }

    /// `skipPlain` 8 bytes at a time (SWAR, `specialBytes`): the portable kernel, and the tail of
    /// the vector one.
    @inlinable @inline(__always)
    public static func skipPlainWords(_ base: UnsafeRawPointer, from i: Int, count: Int) -> Int {
        var j = i
        while j + 8 <= count {
            let mask = specialBytes(UInt64(littleEndian: base.loadUnaligned(fromByteOffset: j, as: UInt64.self)))
            if mask != 0 { return j + mask.trailingZeroBitCount >> 3 }
            j += 8
        }
        return j
    }

    /// What checking one multi-byte UTF-8 sequence found.
    public enum UTF8Sequence: Equatable, Sendable {
        /// Well formed, this many bytes (2 to 4).
        case valid(length: Int)
        case invalidLead
        case truncated
        /// The second byte is outside the range the lead byte allows (overlong, surrogate, > U+10FFFF).
        case invalidSecond
        case invalidContinuation
    }

    /// Checks the sequence whose lead byte (≥ 0x80) is at `base[i]`, reading no byte at or past `count`.
    @inlinable @inline(__always)
    public static func utf8Sequence(_ base: UnsafeRawPointer, at i: Int, count: Int) -> UTF8Sequence {
        let lead = base.load(fromByteOffset: i, as: UInt8.self)
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return .invalidLead
        }
        guard i + length <= count else { return .truncated }
        let second = base.load(fromByteOffset: i + 1, as: UInt8.self)
        guard second >= low && second <= high else { return .invalidSecond }
        var k = 2
        while k < length {
            guard base.load(fromByteOffset: i + k, as: UInt8.self) & 0xC0 == 0x80 else { return .invalidContinuation }
            k += 1
        }
        return .valid(length: length)
    }

    /// What decoding one escape found.
    public enum Escape: Equatable, Sendable {
        /// The escape stands for `scalar` and spans `length` bytes (2, 6, or 12 for a surrogate pair).
        case scalar(UInt32, length: Int)
        /// The input ends after the backslash.
        case unterminated
        /// A backslash followed by a byte that starts no escape.
        case invalid
        case truncatedUnicode
        case invalidHexDigit
        /// A high surrogate with no `\u` escape after it.
        case loneHighSurrogate(UInt32)
        /// A high surrogate followed by a `\u` escape that is not a low surrogate.
        case unpairedHighSurrogate(UInt32, next: UInt32)
        case loneLowSurrogate(UInt32)
    }

    /// Decodes the escape whose backslash is at `base[i]`, reading no byte at or past `count`.
    @inlinable
    public static func escape(_ base: UnsafeRawPointer, at i: Int, count: Int) -> Escape {
        guard i + 1 < count else { return .unterminated }
        let scalar: UInt32
        switch base.load(fromByteOffset: i + 1, as: UInt8.self) {
        case UInt8(ascii: "\""): scalar = 0x22
        case UInt8(ascii: "\\"): scalar = 0x5C
        case UInt8(ascii: "/"): scalar = 0x2F
        case UInt8(ascii: "b"): scalar = 0x08
        case UInt8(ascii: "f"): scalar = 0x0C
        case UInt8(ascii: "n"): scalar = 0x0A
        case UInt8(ascii: "r"): scalar = 0x0D
        case UInt8(ascii: "t"): scalar = 0x09
        case UInt8(ascii: "u"):
            guard i + 6 <= count else { return .truncatedUnicode }
            guard let high = hex4(base + i + 2) else { return .invalidHexDigit }
            if (0xDC00...0xDFFF).contains(high) { return .loneLowSurrogate(high) }
            guard (0xD800...0xDBFF).contains(high) else { return .scalar(high, length: 6) }
            guard i + 7 < count, base.load(fromByteOffset: i + 6, as: UInt8.self) == UInt8(ascii: "\\"),
                base.load(fromByteOffset: i + 7, as: UInt8.self) == UInt8(ascii: "u")
            else { return .loneHighSurrogate(high) }
            guard i + 12 <= count else { return .truncatedUnicode }
            guard let low = hex4(base + i + 8) else { return .invalidHexDigit }
            guard (0xDC00...0xDFFF).contains(low) else { return .unpairedHighSurrogate(high, next: low) }
            return .scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), length: 12)
        default:
            return .invalid
        }
        return .scalar(scalar, length: 2)
    }

    /// Four hex digits (either case) at `p`, or nil.
    @inlinable @inline(__always)
    static func hex4(_ p: UnsafeRawPointer) -> UInt32? {
        var v: UInt32 = 0
        for k in 0..<4 {
            let h = p.load(fromByteOffset: k, as: UInt8.self)
            let d: UInt8
            switch h {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = h &- 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = h &- 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = h &- 55
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }

    /// The UTF-8 encoding of `scalar` (not a surrogate): its bytes in memory order in a
    /// little-endian word, and how many there are.
    @inlinable @inline(__always)
    public static func utf8(_ scalar: UInt32) -> (bytes: UInt32, count: Int) {
        switch scalar {
        case 0..<0x80: (scalar, 1)
        case 0x80..<0x800: ((0xC0 | scalar >> 6) | (0x80 | scalar & 0x3F) << 8, 2)
        case 0x800..<0x10000: ((0xE0 | scalar >> 12) | (0x80 | (scalar >> 6) & 0x3F) << 8 | (0x80 | scalar & 0x3F) << 16, 3)
        default: ((0xF0 | scalar >> 18) | (0x80 | (scalar >> 12) & 0x3F) << 8 | (0x80 | (scalar >> 6) & 0x3F) << 16 | (0x80 | scalar & 0x3F) << 24, 4)
        }
    }
}
