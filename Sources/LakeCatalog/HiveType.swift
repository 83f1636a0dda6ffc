import LakeParquet

/// Parquet-side types → Hive/Athena/Glue type names.
public enum HiveType {
    /// The Athena/Glue (Hive DDL) type of a field type. JSON-text columns are `string`; all
    /// timestamp units are `timestamp` (Athena reads millisecond and microsecond INT64 timestamps).
    public static func name(_ type: DataType) -> String {
        switch type {
        case .boolean: "boolean"
        case .int8: "tinyint"
        case .int16: "smallint"
        case .int32: "int"
        case .int64, .uint8, .uint16, .uint32, .uint64: "bigint"
        case .float: "float"
        case .double: "double"
        case .string, .json: "string"
        // Not a Hive type: Glue/Hive tables cannot declare it, and Athena and Spark fail on
        // Parquet UUID columns. A CREATE TABLE with it is refused by Athena, loudly; lakeconv
        // refuses to emit one (`CatalogOutput`).
        case .uuid: "uuid"
        case .binary, .fixedBinary: "binary"
        case .date: "date"
        case .timestamp, .int96Timestamp: "timestamp"
        case .decimal(let p, let s): "decimal(\(p),\(s))"
        case .struct(let fields): "struct<" + fields.map { "\(structFieldName($0.name)):\(name($0.type))" }.joined(separator: ",") + ">"
        case .list(let element): "array<\(name(element.type))>"
        case .map(let key, let value): "map<\(name(key.type)),\(name(value.type))>"
        }
    }

    /// Struct field names inside a type string: plain identifiers as they are, others in backticks.
    static func structFieldName(_ name: String) -> String {
        Identifier.isPlain(name) ? name : Identifier.backticked(name)
    }
}

/// Identifier rules of Athena/Hive DDL.
public enum Identifier {
    /// `[A-Za-z0-9_]+`.
    public static func isPlain(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }

    /// Backtick-quoted, with backticks doubled: safe for any name in Hive DDL.
    public static func backticked(_ name: String) -> String {
        "`" + name.split(separator: "`", omittingEmptySubsequences: false).joined(separator: "``") + "`"
    }

    /// Why Athena may have trouble with a name it must keep (nil when it is fine).
    public static func problem(_ name: String) -> String? {
        if name.utf8.count > 255 { return "longer than 255 bytes" }
        if !isPlain(name) { return "has characters other than letters, digits and '_' (Athena queries may fail on it)" }
        if name.first == "_" { return "starts with '_' (needs backticks in DDL)" }
        if name.first!.isNumber { return "starts with a digit (needs double quotes in queries)" }
        if reservedWords.contains(name.uppercased()) { return "is a reserved word (needs double quotes in queries)" }
        return nil
    }

    /// Athena's reserved words in DDL and SELECT (https://docs.aws.amazon.com/athena/latest/ug/reserved-words.html).
    static let reservedWords: Set<String> = Set("""
        ALL ALTER AND ARRAY AS AUTHORIZATION BETWEEN BIGINT BINARY BOOLEAN BOTH BY CASE CASHE CAST CHAR COLUMN CONF \
        CONSTRAINT COMMIT CREATE CROSS CUBE CURRENT CURRENT_DATE CURRENT_TIMESTAMP CURSOR DATABASE DATE DAYOFWEEK \
        DECIMAL DELETE DESCRIBE DISTINCT DOUBLE DROP ELSE END EXCHANGE EXISTS EXTENDED EXTERNAL EXTRACT FALSE FETCH \
        FLOAT FLOOR FOLLOWING FOR FOREIGN FROM FULL FUNCTION GRANT GROUP GROUPING HAVING IF IMPORT IN INNER INSERT INT \
        INTEGER INTERSECT INTERVAL INTO IS JOIN LATERAL LEFT LESS LIKE LOCAL MACRO MAP MORE NONE NOT NULL NUMERIC OF ON \
        ONLY OR ORDER OUT OUTER OVER PARTIALSCAN PARTITION PERCENT PRECEDING PRECISION PRESERVE PRIMARY PROCEDURE RANGE \
        READS REDUCE REGEXP REFERENCES REVOKE RIGHT RLIKE ROLLBACK ROLLUP ROW ROWS SELECT SET SMALLINT START TABLE \
        TABLESAMPLE THEN TIME TIMESTAMP TO TRANSFORM TRIGGER TRUE TRUNCATE UNBOUNDED UNION UNIQUEJOIN UPDATE USER USING \
        UTC_TIMESTAMP VALUES VARCHAR VIEWS WHEN WHERE WINDOW WITH CURRENT_PATH CURRENT_TIME CURRENT_USER DEALLOCATE \
        ESCAPE EXCEPT EXECUTE FIRST LAST LOCALTIME LOCALTIMESTAMP NATURAL NORMALIZE PREPARE RECURSIVE SKIP UNESCAPE UNNEST
        """.split(separator: " ").map(String.init))
}

/// String literals for Hive-dialect DDL (Athena DDL, Spark SQL): single quotes, with `\` and `'`
/// escaped by a backslash and control characters as escapes. (Doubling `''` is not used: in
/// HiveQL and Spark SQL adjacent literals concatenate, so `'it''s'` would mean `its`.)
public enum SQLString {
    public static func literal(_ value: String) -> String {
        BackslashQuoting.quote(value, delimiter: "'", nulAsBackslashZero: true)
    }
}

/// Quoting with backslash escapes, shared by Hive SQL literals and JSON strings: the delimiter and
/// `\` get a backslash, LF/CR/TAB become `\n`/`\r`/`\t`, NUL `\0` where the dialect has it, and
/// other control characters (and DEL) `\u00XX`.
package enum BackslashQuoting {
    package static func quote(_ value: String, delimiter: Unicode.Scalar, nulAsBackslashZero: Bool) -> String {
        var out = String(delimiter)
        out.reserveCapacity(value.utf8.count + 2)
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case delimiter: out += "\\" + String(delimiter)
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\0" where nulAsBackslashZero: out += "\\0"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.unicodeScalars.append(delimiter)
        return out
    }
}
