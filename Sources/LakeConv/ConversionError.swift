/// A conversion failure: what went wrong, and where (input file, line, column path).
public struct ConversionError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An input cannot be opened or read (missing file, permission, I/O error).
        public static let input = Code("input")
        /// A compressed input is corrupt or truncated.
        public static let decompression = Code("decompression")
        /// The output exists and the mode does not allow replacing it, or cannot be written.
        public static let output = Code("output")
        /// The data cannot be represented (e.g. column names that collide in Athena).
        public static let schema = Code("schema")
        /// More bad records than `--max-bad-records` allows.
        public static let tooManyBadRecords = Code("too-many-bad-records")
        /// The Parquet writer failed.
        public static let parquet = Code("parquet")
        /// An option value is invalid.
        public static let usage = Code("usage")
        /// A signal (SIGINT, SIGTERM, SIGHUP) stopped the conversion (`LakeConv.installInterruptHandler`).
        public static let interrupted = Code("interrupted")
    }

    public var code: Code
    public var message: String
    public var file: String?
    public var line: Int?
    public var columnPath: String?

    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil, columnPath: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.columnPath = columnPath
    }

    public var description: String {
        var place = ""
        if let file { place += file }
        if let line { place += ":\(line)" }
        if let columnPath { place += (place.isEmpty ? "" : " ") + "column '\(columnPath)'" }
        return place.isEmpty ? "\(code): \(message)" : "\(place): \(code): \(message)"
    }
}
