/// One parsed record as a flat tape of tokens (simdjson's stage-2 shape), not a tree.
///
/// Containers record the index of their closing token, so a consumer skips a subtree in O(1).
/// Every token keeps its source range, so any value's raw JSON text can be recovered exactly.
/// Strings without escapes point into the source; escaped strings are decoded into `decoded`.
public struct JSONTape: Sendable {
    public enum Kind: UInt8, Sendable {
        case objectStart, objectEnd, arrayStart, arrayEnd
        /// An object key (its text as for `string`).
        case key
        case string
        /// An integer literal that fits Int64 (`payload` is its bit pattern).
        case integer
        /// An integer literal beyond Int64 (text only; `payload` holds its Double bits).
        case bigInteger
        /// A literal with a fraction or exponent (`payload` holds its Double bits).
        case double
        case `true`, `false`, null
    }

    public struct Token: Sendable {
        public var kind: Kind
        /// True when a key/string had escapes: its text is `decoded[payload >> 32 ..< +(payload & 0xFFFF_FFFF)]`.
        public var escaped: Bool
        /// Source range of the token (quotes included for strings; the opening byte for containers).
        public var start: UInt32
        public var end: UInt32
        /// Container start: index of the matching end token. Numbers: value bits. Escaped strings: decoded range.
        public var payload: UInt64

        public init(kind: Kind, escaped: Bool, start: UInt32, end: UInt32, payload: UInt64) {
            self.kind = kind
            self.escaped = escaped
            self.start = start
            self.end = end
            self.payload = payload
        }
    }

    public var tokens: [Token] = []
    /// Decoded text of strings with escapes.
    public var decoded: [UInt8] = []

    public init() {}

    public mutating func removeAll() {
        tokens.removeAll(keepingCapacity: true)
        decoded.removeAll(keepingCapacity: true)
    }

    /// The index after the value starting at `index` (skips a whole container).
    @inlinable
    public func next(after index: Int) -> Int {
        let token = tokens[index]
        switch token.kind {
        case .objectStart, .arrayStart: return Int(token.payload) + 1
        default: return index + 1
        }
    }

    /// Source range of the value at `index` (for a container: from its opening to its closing byte).
    public func sourceRange(of index: Int) -> Range<Int> {
        let token = tokens[index]
        switch token.kind {
        case .objectStart, .arrayStart: return Int(token.start)..<Int(tokens[Int(token.payload)].end)
        default: return Int(token.start)..<Int(token.end)
        }
    }

    /// Calls `body` with the text of the key or string at `index` (decoded when escaped).
    @inlinable
    public func withText<R>(of index: Int, source: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let token = tokens[index]
        if token.escaped {
            let offset = Int(token.payload >> 32)
            let length = Int(token.payload & 0xFFFF_FFFF)
            return decoded.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[offset..<(offset + length)])) }
        }
        return body(UnsafeRawBufferPointer(rebasing: source[(Int(token.start) + 1)..<(Int(token.end) - 1)]))
    }
}
