/// Hive-style partition directory names, exactly as Hive's `FileUtils.escapePathName` writes them.
///
/// A segment is `escape(column) + "=" + escape(value)`. Escaped as `%XX` (uppercase hex): every
/// byte below 0x20, DEL (0x7F), and `"` `#` `%` `'` `*` `/` `:` `=` `?` `\` `{` `[` `]` `^`.
/// Everything else, including non-ASCII UTF-8, is written literally. Null and the empty string
/// become `__HIVE_DEFAULT_PARTITION__`. A value that equals that marker (in any letter case) gets
/// its first character escaped (`%5F_HIVE_…`) so it can never be read back as null, also on
/// case-insensitive file systems (DuckDB's rule). Hive, Spark and Athena decode `%XX` when they
/// read partition values, so every value round-trips.
///
/// Because `/` is escaped and every segment has the `key=` prefix, no value can produce a path
/// outside the dataset root or a `.`/`..` segment.
public enum HivePath {
    public static let defaultPartition = "__HIVE_DEFAULT_PARTITION__"
    /// Longest segment accepted (most file systems' limit on one name, in bytes).
    public static let maxSegmentBytes = 255

    static let escaped: Set<UInt8> = {
        var set = Set<UInt8>(0..<0x20)
        for c in "\"#%'*/:=?\\{[]^".utf8 { set.insert(c) }
        set.insert(0x7F)
        return set
    }()

    /// The escaped form of a column name or value.
    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if escaped.contains(byte) {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` (the reader's side; used to check round trips).
    public static func unescape(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let v = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The directory name for one partition column and value (nil value: null).
    public static func segment(column: String, value: String?) -> String {
        escape(column) + "=" + escapeValue(value)
    }

    static func escapeValue(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return defaultPartition }
        if value.lowercased() == defaultPartition.lowercased() {
            return "%" + String(value.utf8.first!, radix: 16, uppercase: true) + escape(String(value.dropFirst()))
        }
        return escape(value)
    }
}
