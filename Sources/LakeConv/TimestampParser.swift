/// ISO-8601 timestamps and dates as they appear in JSON strings, parsed without Foundation.
///
/// Timestamp: `YYYY-MM-DD` (`T` | `t` | space) `HH:MM:SS` [`.` 1–9 digits] (`Z` | `z` | ±HH:MM | ±HHMM).
/// An offset is required: a local time without one is not an instant, so it stays a string.
/// Date: exactly `YYYY-MM-DD`. Fields are range-checked (month 1–12, the month's day count,
/// hour ≤ 23, minute ≤ 59, second ≤ 59, offset ≤ 23:59).
public enum TimestampParser {
    /// An instant: whole seconds since 1970-01-01T00:00:00Z plus nanoseconds (0 ..< 10⁹).
    public struct Instant: Sendable, Hashable {
        public var seconds: Int64
        public var nanoseconds: Int64
        /// Digits written after the decimal point (0–9).
        public var fractionDigits: Int

        /// Whether `unit` holds the instant exactly (no fractional digit beyond its resolution).
        public func fits(_ unit: TimeUnitChoice) -> Bool {
            fractionDigits <= (unit == .micros ? 6 : 3)
        }

        public func value(in unit: TimeUnitChoice) -> Int64 {
            switch unit {
            case .millis: seconds * 1_000 + nanoseconds / 1_000_000
            case .micros: seconds * 1_000_000 + nanoseconds / 1_000
            }
        }
    }

    public enum TimeUnitChoice: Sendable, Hashable {
        case millis
        case micros
    }

    @inline(__always)
    private static func digits(_ p: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        var v = 0
        for k in at..<(at + count) {
            let c = p[k] &- 48
            guard c < 10 else { return nil }
            v = v * 10 + Int(c)
        }
        return v
    }

    /// Days since 1970-01-01 of a valid civil date (H. Hinnant's days_from_civil).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func validDate(_ year: Int, _ month: Int, _ day: Int) -> Bool {
        guard month >= 1 && month <= 12 && day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        // No table: an array literal here was built on every call (measured in profiles).
        let days = month == 2 ? (leap ? 29 : 28) : (month == 4 || month == 6 || month == 9 || month == 11 ? 30 : 31)
        return day <= days
    }

    /// `YYYY-MM-DD` → days since the epoch.
    public static func parseDate(_ p: UnsafeRawBufferPointer) -> Int64? {
        guard p.count == 10, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
            let y = digits(p, 0, 4), let m = digits(p, 5, 2), let d = digits(p, 8, 2), validDate(y, m, d)
        else { return nil }
        return daysFromCivil(year: y, month: m, day: d)
    }

    public static func parseTimestamp(_ p: UnsafeRawBufferPointer) -> Instant? {
        let n = p.count
        guard n >= 20, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"),
            p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: "t") || p[10] == UInt8(ascii: " "),
            p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":"),
            let year = digits(p, 0, 4), let month = digits(p, 5, 2), let day = digits(p, 8, 2),
            let hour = digits(p, 11, 2), let minute = digits(p, 14, 2), let second = digits(p, 17, 2),
            validDate(year, month, day), hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var i = 19
        var nanos: Int64 = 0
        var fractionDigits = 0
        if i < n && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, case let c = p[i] &- 48, c < 10 {
                guard fractionDigits < 9 else { return nil }
                nanos = nanos * 10 + Int64(c)
                fractionDigits += 1
                i += 1
            }
            guard fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<9 { nanos *= 10 }
        }
        guard i < n else { return nil }
        var offsetSeconds = 0
        switch p[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = p[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard i + 2 <= n, let oh = digits(p, i, 2) else { return nil }
            i += 2
            if i < n && p[i] == UInt8(ascii: ":") { i += 1 }
            guard i + 2 <= n, let om = digits(p, i, 2), oh <= 23, om <= 59 else { return nil }
            i += 2
            offsetSeconds = sign * (oh * 3600 + om * 60)
        default:
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Instant(seconds: seconds, nanoseconds: nanos, fractionDigits: fractionDigits)
    }
}
