/// The canonical text form of a UUID and its 16 bytes (the UUID logical type's value).
///
/// Grammar (RFC 9562 §4, "8-4-4-4-12"), 36 bytes:
///
///     uuid = 8HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 4HEXDIG "-" 12HEXDIG
///     HEXDIG = "0"-"9" / "a"-"f" / "A"-"F"
///
/// The bytes are the 32 hex digits in text order, two per byte, most significant nibble first:
/// the big-endian order the Parquet UUID logical type stores in its FIXED_LEN_BYTE_ARRAY(16)
/// (https://github.com/apache/parquet-format/blob/master/LogicalTypes.md#uuid). Readers print
/// lowercase, so upper-case input reads back in lower case: the same UUID.
public enum UUIDText {
    /// Characters in the text form.
    public static let textLength = 36

    /// Writes the 16 bytes of `text` to `out`; false (nothing promised about `out`) when `text`
    /// is not exactly the canonical form.
    @inlinable
    public static func parse(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) -> Bool {
        guard text.count == textLength,
            text[8] == UInt8(ascii: "-"), text[13] == UInt8(ascii: "-"), text[18] == UInt8(ascii: "-"), text[23] == UInt8(ascii: "-")
        else { return false }
        var bad: UInt8 = 0
        var o = 0
        var i = 0
        while i < textLength {
            if i == 8 || i == 13 || i == 18 || i == 23 { i += 1 }
            let hi = nibble(text[i])
            let lo = nibble(text[i + 1])
            bad |= hi | lo
            out.storeBytes(of: hi << 4 | (lo & 0x0F), toByteOffset: o, as: UInt8.self)
            o += 1
            i += 2
        }
        return bad & 0x80 == 0
    }

    /// Whether `text` is a UUID in canonical form.
    public static func isUUID(_ text: UnsafeRawBufferPointer) -> Bool {
        guard text.count == textLength else { return false }
        return withUnsafeTemporaryAllocation(byteCount: 16, alignment: 1) { parse(text, into: $0.baseAddress!) }
    }

    /// The 16 bytes of `text`, or nil when it is not a canonical UUID.
    public static func parse(_ text: String) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: 16)
        var text = text
        let ok = text.withUTF8 { utf8 in bytes.withUnsafeMutableBytes { parse(UnsafeRawBufferPointer(utf8), into: $0.baseAddress!) } }
        return ok ? bytes : nil
    }

    /// The canonical lowercase text of 16 bytes.
    public static func text(_ bytes: some Collection<UInt8>) -> String {
        precondition(bytes.count == 16, "a UUID has 16 bytes")
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(textLength)
        for (i, b) in bytes.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The value of a hex digit, or 0x80 (the high bit set) for any other byte.
    @inlinable @inline(__always)
    static func nibble(_ c: UInt8) -> UInt8 {
        let digit = c &- UInt8(ascii: "0")
        if digit < 10 { return digit }
        let letter = (c | 0x20) &- UInt8(ascii: "a")  // folds A-F onto a-f
        if letter < 6 { return letter + 10 }
        return 0x80
    }
}
