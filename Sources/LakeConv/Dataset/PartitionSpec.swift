/// One level of partitioning (`--partition-by`), applied in the order given.
public enum PartitionSpec: Sendable, Hashable, CustomStringConvertible {
    /// `COLUMN`: one directory per value of a top-level column: `COLUMN=value/`.
    case category(column: String)
    /// `date:COLUMN:GRAIN`: directories from a timestamp column, in UTC or a fixed offset.
    case date(column: String, grain: DateGrain)
    /// `hash:COLUMN:N`: `bucket=00/ … bucket=NN/` by Spark's Murmur3 (seed 42) `pmod` N.
    case hash(column: String, buckets: Int)

    public enum DateGrain: String, Sendable, Hashable, CaseIterable {
        case year, month, day, hour
    }

    /// Parses `source`, `date:event_time:day`, `hash:user_id:16`.
    public init(parsing text: String) throws(ConversionError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func usage(_ why: String) -> ConversionError {
            ConversionError(.usage, "--partition-by '\(text)': \(why) (forms: COLUMN, date:COLUMN:year|month|day|hour, hash:COLUMN:N)")
        }
        switch parts.first {
        case "date" where parts.count == 3:
            guard !parts[1].isEmpty else { throw usage("missing column") }
            guard let grain = DateGrain(rawValue: parts[2]) else { throw usage("unknown grain '\(parts[2])'") }
            self = .date(column: parts[1], grain: grain)
        case "hash" where parts.count == 3:
            guard !parts[1].isEmpty else { throw usage("missing column") }
            guard let n = Int(parts[2]), n >= 1, n <= 100_000 else { throw usage("bucket count must be 1…100000") }
            self = .hash(column: parts[1], buckets: n)
        default:
            guard parts.count == 1, !text.isEmpty else { throw usage("unknown form") }
            guard !text.contains(".") else {
                throw usage("partitioning by a nested field is not supported yet; use a top-level column")
            }
            self = .category(column: text)
        }
    }

    public var column: String {
        switch self {
        case .category(let c), .date(let c, _), .hash(let c, _): c
        }
    }

    public var description: String {
        switch self {
        case .category(let c): c
        case .date(let c, let g): "date:\(c):\(g.rawValue)"
        case .hash(let c, let n): "hash:\(c):\(n)"
        }
    }

    /// The directory keys this level produces, outermost first.
    var isHash: Bool { if case .hash = self { true } else { false } }

    public func keys(layout: DateLayout) -> [String] {
        switch self {
        case .category(let c): [c]
        case .hash: ["bucket"]
        case .date(_, let grain):
            switch layout {
            case .single(let key): [key]
            case .nested:
                Array(["year", "month", "day", "hour"].prefix(DateGrain.allCases.firstIndex(of: grain)! + 1))
            }
        }
    }
}

/// How date partitions are named: nested `year=2021/month=03/day=21/hour=09/` (default) or one
/// key such as `dt=2021-03-21` (`dt=2021-03-21-09` for hours).
public enum DateLayout: Sendable, Hashable {
    case nested
    case single(key: String)
}

/// A fixed UTC offset for date partitions (`--timezone UTC`, `+05:30`, `-08:00`).
public struct PartitionTimeZone: Sendable, Hashable {
    public var offsetSeconds: Int

    public static let utc = PartitionTimeZone(offsetSeconds: 0)

    public init(offsetSeconds: Int) {
        self.offsetSeconds = offsetSeconds
    }

    /// `UTC` or `±HH:MM`, as `--timezone` takes it.
    public var text: String {
        guard offsetSeconds != 0 else { return "UTC" }
        let magnitude = abs(offsetSeconds)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return (offsetSeconds < 0 ? "-" : "+") + two(magnitude / 3600) + ":" + two(magnitude % 3600 / 60)
    }

    public init(parsing text: String) throws(ConversionError) {
        if text == "UTC" || text == "Z" || text == "+00:00" {
            offsetSeconds = 0
            return
        }
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"), bytes[3] == UInt8(ascii: ":"),
            let h = Int(String(decoding: bytes[1...2], as: UTF8.self)), let m = Int(String(decoding: bytes[4...5], as: UTF8.self)),
            h <= 23, m <= 59
        else {
            throw ConversionError(
                .usage,
                "--timezone '\(text)': use UTC or a fixed offset like +05:30 (named zones such as Europe/Paris are not supported yet)")
        }
        offsetSeconds = (bytes[0] == UInt8(ascii: "-") ? -1 : 1) * (h * 3600 + m * 60)
    }
}
