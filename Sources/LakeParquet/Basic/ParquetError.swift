/// The error of the Parquet format core: a code, a message, and where it happened.
///
/// Codes are open-ended static members (swift-system `Errno` style) so new ones never break a
/// caller's `switch`.
public struct ParquetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The schema is malformed (empty, bad name, unsupported combination).
        public static let invalidSchema = Code("invalid-schema")
        /// A value does not fit the column it is written to.
        public static let invalidValue = Code("invalid-value")
        /// A batch's shape does not match the schema (column count, level/value counts).
        public static let invalidBatch = Code("invalid-batch")
        /// The page compressor failed.
        public static let compression = Code("compression")
        /// The byte sink failed (disk full, I/O error, closed).
        public static let sink = Code("sink")
        /// A format limit was exceeded (a page over 2 GiB, more than 32,767 row groups).
        public static let limitExceeded = Code("limit-exceeded")
        /// The writer was used after `close()` or after an earlier failure.
        public static let writerClosed = Code("writer-closed")
    }

    public var code: Code
    public var message: String
    /// Dotted column path (`device.screen.w`), when the error concerns one column.
    public var columnPath: String?

    public init(_ code: Code, _ message: String, columnPath: String? = nil) {
        self.code = code
        self.message = message
        self.columnPath = columnPath
    }

    public var description: String {
        if let columnPath { return "\(code): column '\(columnPath)': \(message)" }
        return "\(code): \(message)"
    }
}
