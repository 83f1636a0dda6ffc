/// Why a record is not valid JSON (or hits a limit). Positions are byte offsets within the record.
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The bytes are not valid JSON (RFC 8259).
        public static let invalidJSON = Code("invalid-json")
        /// The bytes are not valid UTF-8 (or hold a lone surrogate escape).
        public static let invalidUTF8 = Code("invalid-utf8")
        /// A number is out of range (1e400) or not a JSON number (NaN, Infinity, 01, 1.).
        public static let invalidNumber = Code("invalid-number")
        /// Nesting deeper than the limit.
        public static let tooDeep = Code("too-deep")
        /// A number literal longer than the limit.
        public static let numberTooLong = Code("number-too-long")
    }

    public var code: Code
    public var message: String
    /// Byte offset within the record.
    public var offset: Int

    public init(_ code: Code, _ message: String, at offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(code): \(message) at byte \(offset)" }
}

/// Limits that turn hostile input into a bad record instead of a crash, a hang or unbounded memory.
public struct JSONLimits: Sendable, Hashable {
    /// Maximum nesting of objects and arrays.
    public var maxDepth = 1_000
    /// Maximum length of one number literal, in bytes.
    public var maxNumberLength = 1_024

    public init(maxDepth: Int = 1_000, maxNumberLength: Int = 1_024) {
        self.maxDepth = maxDepth
        self.maxNumberLength = maxNumberLength
    }
}
