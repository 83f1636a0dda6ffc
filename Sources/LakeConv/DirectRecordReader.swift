#if canImport(Glibc)
import Glibc
#endif
import LakeJSON
import LakeParquet

// The schema-directed fast path: one record's text straight into the leaf columns, with no tape.
// Spec: https://www.rfc-editor.org/rfc/rfc8259 (the same grammar `JSONParser` implements).
//
// It reads the common shape and declines everything else, which then takes the tape path
// (`JSONParser` + `TapeColumnBuilder`), the authority on every result and every error:
//
//   record  := ws '{' ws (member (ws ',' ws member)*)? ws '}' ws        members in any order,
//   member  := '"' key '"' ws ':' ws value                               some absent, none repeated
//   key     := the schema's name, byte for byte (no escapes)
//   value   := null | the leaf's kind | object (its node) | list (its node)
//   string  := '"' (ASCII ≥ 0x20 except '"' '\' | well-formed UTF-8 ≥ U+0080 | escape)* '"'
//   escape  := as RFC 8259 (a surrogate pair is one scalar); none in timestamps and dates
//   integer := '-'? ('0' | [1-9][0-9]*)                   at most 19 digits, within Int64
//   decimal := integer ('.' [0-9]+)?                       at most 19 digits, mantissa < 2^53
//   boolean := 'true' | 'false'
//   timestamp, date := a string that `TimestampParser` accepts for the column's unit
//
// Anything else (exponents, unknown or repeated keys, big integers, escaped timestamps,
// JSON and DECIMAL columns) declines before the record counts as a row: its partial values are
// rolled back. Accepting only what it validates in full, by the rules the tape path applies, is
// what makes the two paths give identical columns; `DirectRecordReaderTests` checks that on
// mutated records.

/// The schema as the fast path reads it: flat nodes behind raw pointers (no reference counting
/// or bounds checks on the hot path), each member's quoted name in one byte arena. Immutable
/// once built, shared by every worker.
package final class DirectReadingPlan: @unchecked Sendable {
    enum Tag: UInt8 { case leaf, object, list, ignored }

    /// What a leaf (or an ignored column) takes.
    enum Value: UInt8 {
        case boolean, int64, double, string, timestampMillis, timestampMicros, date
        /// Canonical UUID text, unescaped, as its 16 bytes.
        case uuid
        /// JSON text and DECIMAL(38,0) columns: a non-null value declines.
        case unsupported
    }

    struct Node {
        var tag: Tag
        var value: Value
        var repetitionLevel: Int16
        var column: Int32
        var childStart: Int32
        var childCount: Int32
        var element: Int32
        var firstLeaf: Int32
        var endLeaf: Int32
        /// `"name"` (quotes included) in `names`.
        var nameStart: Int32
        var nameLength: Int32
        /// A top-level member the partition keyer reads: its capture slot (-1: none).
        var capture: Int8
        /// The first (up to) 8 bytes of `"name"` as a little-endian word, and the mask of them.
        var namePrefix: UInt64
        var namePrefixMask: UInt64
    }

    /// An object's member as its key loop reads it: `children[k]`'s matching and leaf fields in
    /// one 32-byte entry (`members[k]`), so a key is matched and its value read with no load
    /// through `children` into `nodes`.
    struct Member {
        var namePrefix: UInt64
        var namePrefixMask: UInt64
        /// The last 8 bytes of `"name"` when it is longer than 8 (most keys, quotes included).
        var nameSuffix: UInt64
        var nameLength: Int32
        var node: Int32
        /// The leaf's column (leaves only).
        var column: Int32
        var tag: Tag
        var value: Value
        /// Capture slot of a partition column (-1: none).
        var capture: Int8
    }

    let nodes: UnsafeMutablePointer<Node>
    let nodeCount: Int
    let children: UnsafeMutablePointer<Int32>
    let members: UnsafeMutablePointer<Member>
    let childTotal: Int
    let names: UnsafeMutablePointer<UInt8>
    /// Containers on the deepest path (the root object counts one), as `JSONLimits.maxDepth` counts.
    let depth: Int

    /// Capture slots of the members the partition keyer reads (`capturedMembers[k]`, top level).
    let captureCount: Int

    /// `capturedMembers`: the top-level members the reader captures for the partition keyer
    /// (partition columns), slot k for `capturedMembers[k]`.
    init(_ plan: ColumnPlan, capturedMembers: [String] = []) {
        precondition(capturedMembers.count < Int(Int8.max), "too many partition columns")
        captureCount = capturedMembers.count
        nodeCount = plan.nodes.count
        nodes = .allocate(capacity: max(1, nodeCount))
        childTotal = plan.children.count
        children = .allocate(capacity: max(1, childTotal))
        var arena: [UInt8] = []
        for (i, node) in plan.nodes.enumerated() {
            var made = Node(
                tag: .leaf, value: .unsupported, repetitionLevel: 0, column: 0, childStart: 0, childCount: 0, element: 0,
                firstLeaf: Int32(node.firstLeaf), endLeaf: Int32(node.endLeaf), nameStart: Int32(arena.count), nameLength: Int32(node.nameLength + 2),
                capture: -1, namePrefix: 0, namePrefixMask: 0)
            arena.append(UInt8(ascii: "\""))
            arena.append(contentsOf: plan.nameArena[node.nameStart..<(node.nameStart + node.nameLength)])
            arena.append(UInt8(ascii: "\""))
            // A name holding '"', '\\' or a control byte is escaped in any valid record, so its
            // raw bytes can only match invalid JSON: such a member never matches (the tape path
            // reads it), by a length no record reaches.
            let name = plan.nameArena[node.nameStart..<(node.nameStart + node.nameLength)]
            if name.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) { made.nameLength = Int32.max / 2 }
            for (k, byte) in arena[Int(made.nameStart)...].prefix(8).enumerated() {
                made.namePrefix |= UInt64(byte) << (8 * k)
                made.namePrefixMask |= 0xFF << (8 * k)
            }
            switch node.kind {
            case .leaf(let column, let conversion):
                made.column = Int32(column)
                made.value = Self.value(of: conversion)
            case .object(let childStart, let childCount):
                made.tag = .object
                made.childStart = Int32(childStart)
                made.childCount = Int32(childCount)
            case .list(let element, let repetitionLevel):
                made.tag = .list
                made.element = Int32(element)
                made.repetitionLevel = repetitionLevel
            case .ignored(let type):
                made.tag = .ignored
                made.value = Self.value(of: plan.ignoredTypes[type])
            }
            (nodes + i).initialize(to: made)
        }
        for (i, child) in plan.children.enumerated() { children[i] = Int32(child) }
        if case .object(let start, let count) = plan.nodes.first?.kind {
            for child in plan.children[start..<(start + count)] {
                if let slot = capturedMembers.firstIndex(of: plan.paths[child]) { nodes[child].capture = Int8(slot) }
            }
        }
        names = .allocate(capacity: max(1, arena.count))
        names.initialize(from: arena, count: arena.count)
        members = .allocate(capacity: max(1, childTotal))
        for k in 0..<childTotal {
            let node = nodes[Int(children[k])]
            var suffix: UInt64 = 0
            if node.nameLength > 8 && node.nameLength < Int32.max / 2 {
                let end = Int(node.nameStart + node.nameLength)
                for (b, byte) in arena[(end - 8)..<end].enumerated() { suffix |= UInt64(byte) << (8 * b) }
            }
            (members + k).initialize(to: Member(
                namePrefix: node.namePrefix, namePrefixMask: node.namePrefixMask, nameSuffix: suffix, nameLength: node.nameLength, node: children[k],
                column: node.column, tag: node.tag, value: node.value, capture: node.capture))
        }
        func depth(_ node: Int) -> Int {
            switch plan.nodes[node].kind {
            case .object(let start, let count): 1 + ((start..<(start + count)).map { depth(plan.children[$0]) }.max() ?? 0)
            case .list(let element, _): 1 + depth(element)
            case .leaf, .ignored: 0
            }
        }
        self.depth = nodeCount > 0 ? depth(0) : 1
    }

    /// The plan for records with these top-level fields, every one stored.
    package convenience init(_ fields: [Field]) {
        self.init(ColumnPlan(fields))
    }

    deinit {
        nodes.deinitialize(count: nodeCount)
        nodes.deallocate()
        children.deallocate()
        members.deallocate()
        names.deallocate()
    }

    private static func value(of conversion: LeafConversion) -> Value {
        switch conversion {
        case .boolean: .boolean
        case .int64: .int64
        case .double: .double
        case .string: .string
        case .uuid: .uuid
        case .date: .date
        case .timestamp(.millis): .timestampMillis
        case .timestamp(.micros): .timestampMicros
        case .json, .decimal38, .narrowInteger, .float: .unsupported
        }
    }

    private static func value(of type: DataType) -> Value {
        switch type {
        case .boolean: .boolean
        case .int64: .int64
        case .double: .double
        case .string: .string
        case .uuid: .uuid
        case .date: .date
        case .timestamp(let unit, _): unit == .millis ? .timestampMillis : .timestampMicros
        default: .unsupported
        }
    }
}

/// Reads records through a `DirectReadingPlan` into a builder's `LeafColumns`. One per worker.
package struct DirectRecordReader {
    /// Keeps the plan's and the scratch's memory alive; the hot path reads the raw pointers below.
    private let plan: DirectReadingPlan
    private let scratch: Scratch
    private let nodes: UnsafeMutablePointer<DirectReadingPlan.Node>
    private let children: UnsafeMutablePointer<Int32>
    private let members: UnsafeMutablePointer<DirectReadingPlan.Member>
    private let names: UnsafeMutablePointer<UInt8>
    private let columnCount: Int
    /// Column sizes before the record being read, to roll a declined record back.
    private let marks: UnsafeMutablePointer<LeafColumns.Leaf.Mark>
    /// Per object child (indexed like `children`): seen in the object being read. All false
    /// between records.
    private let seen: UnsafeMutablePointer<Bool>
    private let childTotal: Int
    /// With a partition keyer: the record's top-level members that are partition columns, one
    /// slot each (`DirectReadingPlan.init(_:capturedMembers:)`), which is all `PartitionKeyer`
    /// reads. Reset (to absent) before each record.
    package let captured: UnsafeMutablePointer<CapturedMember>
    private let captureCount: Int

    // The record being read.
    private var base = UnsafeRawPointer(bitPattern: 1)!
    private var count = 0
    private var leaves: UnsafeMutablePointer<LeafColumns.Leaf>
    /// The last number read: its value bits and whether it was an integer literal.
    private var numberBits: UInt64 = 0
    private var numberIsInteger = false

    /// Records tried and declined, to stop trying on data of another shape.
    package private(set) var attempts = 0
    package private(set) var declines = 0

    /// Nil when the limits are tighter than anything the fast path checks (then every record
    /// takes the tape path, which enforces them).
    package init?(plan: DirectReadingPlan, columnCount: Int, limits: JSONLimits) {
        guard plan.nodeCount > 0, plan.depth <= limits.maxDepth, limits.maxNumberLength >= 32 else { return nil }
        self.plan = plan
        nodes = plan.nodes
        children = plan.children
        members = plan.members
        names = plan.names
        self.columnCount = columnCount
        childTotal = plan.childTotal
        scratch = Scratch(columns: columnCount, children: childTotal, captures: plan.captureCount)
        marks = scratch.marks
        seen = scratch.seen
        captured = scratch.captured
        captureCount = plan.captureCount
        leaves = UnsafeMutablePointer(bitPattern: 8)!
    }

    /// The per-record scratch: column marks, `seen` flags and captures, freed with the last
    /// reader copy.
    private final class Scratch {
        let marks: UnsafeMutablePointer<LeafColumns.Leaf.Mark>
        let seen: UnsafeMutablePointer<Bool>
        let captured: UnsafeMutablePointer<CapturedMember>

        init(columns: Int, children: Int, captures: Int) {
            marks = .allocate(capacity: max(1, columns))
            seen = .allocate(capacity: max(1, children))
            seen.initialize(repeating: false, count: max(1, children))
            captured = .allocate(capacity: max(1, captures))
            captured.initialize(repeating: .absent, count: max(1, captures))
        }

        deinit {
            marks.deallocate()
            seen.deallocate()
            captured.deallocate()
        }
    }

    /// Whether trying is still worth it: after 256 attempts, fewer than one in eight declined.
    var worthTrying: Bool { attempts < 256 || declines * 8 < attempts }

    /// Appends the record `source` to `storage` and returns true, or leaves `storage` as it was
    /// and returns false.
    mutating func read(_ source: UnsafeRawBufferPointer, into storage: LeafColumns) -> Bool {
        guard let start = source.baseAddress, source.count > 1 else { return false }
        attempts &+= 1
        base = start
        count = source.count
        leaves = storage.leaves
        for c in 0..<columnCount { marks[c] = leaves[c].mark }
        for k in 0..<captureCount { captured[k].value.kind = .key }
        var i = skipWhitespace(0)
        if i < count && byte(i) == UInt8(ascii: "{") {
            i = readObject(0, i, r: 0, d: 0)
            if i >= 0 {
                i = skipWhitespace(i)
                if i == count { return true }
            }
        }
        rollBack(storage)
        seen.update(repeating: false, count: childTotal)  // objects left half-read
        declines &+= 1
        return false
    }

    /// Undoes the last `read` (its record turned out bad after it was read, e.g. its partition).
    func rollBack(_ storage: LeafColumns) {
        for c in 0..<columnCount { storage.leaves[c].truncate(to: marks[c]) }
    }

    // MARK: Bytes

    @inline(__always) private func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }

    @inline(__always)
    private func skipWhitespace(_ i: Int) -> Int {
        var i = i
        while i < count {
            let c = byte(i)
            guard c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A else { break }
            i += 1
        }
        return i
    }

    /// Whether the quoted name of `member` is at `i` (bounds checked).
    @inline(__always)
    private func matches(_ member: UnsafeMutablePointer<DirectReadingPlan.Member>, at i: Int) -> Bool {
        let n = Int(member.pointee.nameLength)
        guard i &+ n <= count else { return false }
        if i &+ 8 <= count {
            // The first word decides most keys; a longer name compares its last word (which
            // overlaps the first up to 16 bytes), then memcmp for the middle.
            guard UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) & member.pointee.namePrefixMask == member.pointee.namePrefix else { return false }
            if n <= 8 { return true }
            guard UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i &+ n &- 8, as: UInt64.self)) == member.pointee.nameSuffix else { return false }
            if n <= 16 { return true }
            let name = UnsafeRawPointer(names + Int(nodes[Int(member.pointee.node)].nameStart))
            return memcmp(base + i + 8, name + 8, n - 16) == 0
        }
        let name = UnsafeRawPointer(names + Int(nodes[Int(member.pointee.node)].nameStart))
        var k = 0
        while k < n {
            guard byte(i + k) == name.load(fromByteOffset: k, as: UInt8.self) else { return false }
            k += 1
        }
        return true
    }

    @inline(__always)
    private func literal(_ word: StaticString, at i: Int) -> Int {
        let n = word.utf8CodeUnitCount
        guard i + n <= count else { return -1 }
        let text = word.utf8Start
        for k in 0..<n where byte(i + k) != text[k] { return -1 }
        return i + n
    }

    // MARK: Structure

    @inline(__always)
    private func appendNulls(_ node: Int, r: Int16, d: Int16) {
        let n = nodes[node]
        var column = Int(n.firstLeaf)
        while column < Int(n.endLeaf) {
            leaves[column].appendLevels(repetition: r, definition: d)
            column += 1
        }
    }

    /// The object at `i` (`{`) for object node `node`, its members at levels below `d`; returns
    /// the index after `}`, or -1 to decline. Members with a capture slot (partition columns,
    /// top level only) are captured.
    private mutating func readObject(_ node: Int, _ i: Int, r: Int16, d: Int16) -> Int {
        let object = nodes[node]
        let childStart = Int(object.childStart)
        let childCount = Int(object.childCount)
        var i = skipWhitespace(i + 1)
        guard i < count else { return -1 }
        var next = 0  // where to look for the next member first
        let seen = self.seen + childStart
        let members = self.members + childStart
        if byte(i) != UInt8(ascii: "}") {
            while true {
                guard byte(i) == UInt8(ascii: "\"") else { return -1 }
                // Members usually come in schema order, some absent: look from the one after the
                // last match, then among the earlier ones not seen yet.
                var position = next
                while position < childCount && !matches(members + position, at: i) { position += 1 }
                if position == childCount {
                    position = 0
                    while position < next && (seen[position] || !matches(members + position, at: i)) { position += 1 }
                    guard position < next else { return -1 }  // not in the schema
                }
                guard !seen[position] else { return -1 }  // repeated
                seen[position] = true
                next = position + 1
                let entry = members[position]
                let keyStart = i
                i += Int(entry.nameLength)
                if i < count && byte(i) != UInt8(ascii: ":") { i = skipWhitespace(i) }
                guard i < count, byte(i) == UInt8(ascii: ":") else { return -1 }
                i += 1
                if i < count && byte(i) <= 0x20 { i = skipWhitespace(i) }
                guard i < count else { return -1 }
                let valueStart = i
                if entry.tag == .leaf && byte(i) != UInt8(ascii: "n") {
                    // A present leaf, the common member: strings (most values) read here, without
                    // a call (the compiler keeps `readValue` out of line).
                    let leaf = leaves + Int(entry.column)
                    if entry.value == .string {
                        i = Self.scanString(base, count, i, into: leaf, escapes: true)
                        guard i >= 0 else { return -1 }
                        leaf.pointee.endValue()
                    } else {
                        i = readValue(entry.value, i, into: leaf)
                        guard i >= 0 else { return -1 }
                    }
                    leaf.pointee.appendLevels(repetition: r, definition: d + 1)
                } else {
                    i = readField(Int(entry.node), i, r: r, d: d)
                    guard i >= 0 else { return -1 }
                }
                if entry.capture >= 0 { guard capture(entry, keyStart, valueStart, i) else { return -1 } }
                if i < count && byte(i) != UInt8(ascii: ",") && byte(i) != UInt8(ascii: "}") { i = skipWhitespace(i) }
                guard i < count else { return -1 }
                if byte(i) == UInt8(ascii: ",") {
                    i = skipWhitespace(i + 1)
                    guard i < count else { return -1 }
                    continue
                }
                guard byte(i) == UInt8(ascii: "}") else { return -1 }
                break
            }
        }
        for position in 0..<childCount {
            if seen[position] {
                seen[position] = false
            } else {
                appendNulls(Int(children[childStart + position]), r: r, d: d)  // absent
            }
        }
        return i + 1
    }

    /// Captures a partition column's member (`entry.capture >= 0`) just read; false (decline)
    /// for a string with escapes, whose decoded text the keyer would need.
    @inline(__always)
    private mutating func capture(_ entry: DirectReadingPlan.Member, _ keyStart: Int, _ valueStart: Int, _ valueEnd: Int) -> Bool {
        let slot = captured + Int(entry.capture)
        var kind: JSONTape.Kind
        var payload: UInt64 = 0
        var stored: Int64?
        switch byte(valueStart) {
        case UInt8(ascii: "\""):
            kind = .string
            if entry.tag == .leaf, entry.value == .timestampMillis || entry.value == .timestampMicros || entry.value == .date {
                // Read in place (`scanString` with `escapes: false`): it has no escape.
                let words = leaves[Int(entry.column)].words
                stored = Int64(bitPattern: words.base[words.count &- 1])
            } else {
                var k = valueStart &+ 1
                while k < valueEnd {
                    guard byte(k) != 0x5C else { return false }
                    k &+= 1
                }
            }
        case UInt8(ascii: "n"): kind = .null
        case UInt8(ascii: "t"): kind = .true
        case UInt8(ascii: "f"): kind = .false
        case UInt8(ascii: "{"): kind = .objectStart
        case UInt8(ascii: "["): kind = .arrayStart
        default:
            kind = numberIsInteger ? .integer : .double
            payload = numberBits
        }
        slot.pointee = CapturedMember(
            value: JSONTape.Token(kind: kind, escaped: false, start: UInt32(valueStart), end: UInt32(valueEnd), payload: payload),
            keyStart: UInt32(keyStart), keyLength: UInt32(entry.nameLength), stored: stored)
        return true
    }

    /// The value at `i` (not whitespace) for `node`; returns the index after it, or -1.
    private mutating func readField(_ node: Int, _ i: Int, r: Int16, d: Int16) -> Int {
        let n = nodes[node]
        if byte(i) == UInt8(ascii: "n") {
            let end = literal("null", at: i)
            guard end >= 0 else { return -1 }
            appendNulls(node, r: r, d: d)
            return end
        }
        switch n.tag {
        case .leaf:
            let leaf = leaves + Int(n.column)
            let end = readValue(n.value, i, into: leaf)
            guard end >= 0 else { return -1 }
            leaf.pointee.appendLevels(repetition: r, definition: d + 1)
            return end
        case .ignored:
            return readValue(n.value, i, into: nil)
        case .object:
            guard byte(i) == UInt8(ascii: "{") else { return -1 }
            return readObject(node, i, r: r, d: d + 1)
        case .list:
            guard byte(i) == UInt8(ascii: "[") else { return -1 }
            var i = skipWhitespace(i + 1)
            guard i < count else { return -1 }
            if byte(i) == UInt8(ascii: "]") {
                appendNulls(node, r: r, d: d + 1)  // present but empty
                return i + 1
            }
            let element = Int(n.element)
            var itemR = r
            while true {
                i = readField(element, i, r: itemR, d: d + 2)
                guard i >= 0 else { return -1 }
                itemR = n.repetitionLevel
                i = skipWhitespace(i)
                guard i < count else { return -1 }
                if byte(i) == UInt8(ascii: "]") { return i + 1 }
                guard byte(i) == UInt8(ascii: ",") else { return -1 }
                i = skipWhitespace(i + 1)
                guard i < count else { return -1 }
            }
        }
    }

    // MARK: Values

    /// One scalar of kind `value` at `i`, appended to `leaf` (only checked when nil); returns the
    /// index after it, or -1.
    @inline(__always)
    private mutating func readValue(_ value: DirectReadingPlan.Value, _ i: Int, into leaf: UnsafeMutablePointer<LeafColumns.Leaf>?) -> Int {
        switch value {
        case .string:
            let end = Self.scanString(base, count, i, into: leaf, escapes: true)
            guard end >= 0 else { return -1 }
            leaf?.pointee.endValue()
            return end
        case .int64:
            let end = readNumber(i)
            guard end >= 0, numberIsInteger else { return -1 }
            leaf?.pointee.words.append(numberBits)
            return end
        case .double:
            let end = readNumber(i)
            guard end >= 0 else { return -1 }
            leaf?.pointee.words.append(numberIsInteger ? Double(Int64(bitPattern: numberBits)).bitPattern : numberBits)
            return end
        case .boolean:
            let isTrue = byte(i) == UInt8(ascii: "t")
            let end = isTrue ? literal("true", at: i) : literal("false", at: i)
            guard end >= 0 else { return -1 }
            leaf?.pointee.words.append(isTrue ? 1 : 0)
            return end
        case .timestampMillis, .timestampMicros:
            let end = Self.scanString(base, count, i, into: nil, escapes: false)
            guard end >= 0,
                let instant = TimestampParser.parseTimestamp(UnsafeRawBufferPointer(start: base + i + 1, count: end - i - 2)),
                case let unit: TimestampParser.TimeUnitChoice = value == .timestampMicros ? .micros : .millis, instant.fits(unit)
            else { return -1 }
            leaf?.pointee.words.append(UInt64(bitPattern: instant.value(in: unit)))
            return end
        case .date:
            let end = Self.scanString(base, count, i, into: nil, escapes: false)
            guard end >= 0, let days = TimestampParser.parseDate(UnsafeRawBufferPointer(start: base + i + 1, count: end - i - 2)) else { return -1 }
            leaf?.pointee.words.append(UInt64(bitPattern: days))
            return end
        case .uuid:
            // Exactly 36 bytes between the quotes; anything else (escapes too) declines.
            let end = i + 1 + UUIDText.textLength
            guard byte(i) == UInt8(ascii: "\""), end < count, byte(end) == UInt8(ascii: "\"") else { return -1 }
            let text = UnsafeRawBufferPointer(start: base + i + 1, count: UUIDText.textLength)
            if let leaf {
                guard leaf.pointee.bytes.append(count: 16, { UUIDText.parse(text, into: $0) }) else { return -1 }
                leaf.pointee.endValue()
            } else {
                guard UUIDText.isUUID(text) else { return -1 }
            }
            return end + 1
        case .unsupported:
            return -1
        }
    }

    /// The index after the string at `i` (its text valid UTF-8 with no control bytes), its
    /// decoded text appended to `leaf`'s bytes when given; -1 when it is not such a string, or
    /// has an escape and `escapes` is false (text parsed in place, such as timestamps).
    /// Static, on the record's `base` and `count`: a method would copy the whole reader for each
    /// call (the compiler keeps this out of line).
    @inline(__always)
    private static func scanString(_ base: UnsafeRawPointer, _ count: Int, _ i: Int, into leaf: UnsafeMutablePointer<LeafColumns.Leaf>?, escapes: Bool) -> Int {
        @inline(__always) func byte(_ i: Int) -> UInt8 { base.load(fromByteOffset: i, as: UInt8.self) }
        guard byte(i) == UInt8(ascii: "\"") else { return -1 }
        var j = i + 1
        var run = j  // the start of the text not yet appended
        while true {
            j = JSONStringScan.skipPlain(base, from: j, count: count)
            guard j < count else { return -1 }
            let c = byte(j)
            if c == UInt8(ascii: "\"") {
                if let leaf {
                    if run &+ 16 <= count {
                        leaf.pointee.bytes.appendRun(base + run, count: j - run)
                    } else {
                        leaf.pointee.bytes.append(UnsafeRawBufferPointer(start: base + run, count: j - run))
                    }
                }
                return j + 1
            }
            if c >= 0x80 {
                guard case .valid(let length) = JSONStringScan.utf8Sequence(base, at: j, count: count) else { return -1 }
                j += length
            } else if c == UInt8(ascii: "\\") {
                guard escapes, case .scalar(let scalar, let length) = JSONStringScan.escape(base, at: j, count: count) else { return -1 }
                if let leaf {
                    leaf.pointee.bytes.append(UnsafeRawBufferPointer(start: base + run, count: j - run))
                    let (bytes, n) = JSONStringScan.utf8(scalar)
                    withUnsafeBytes(of: bytes.littleEndian) { leaf.pointee.bytes.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                }
                j += length
                run = j
            } else if c < 0x20 {
                return -1
            } else {
                j += 1  // a plain byte in the last 7
            }
        }
    }

    /// Whether all 8 bytes of `word` are ASCII digits (SWAR: each byte's high nibble is 3, and
    /// adding 6 leaves it 3).
    @inline(__always)
    static func isEightDigits(_ word: UInt64) -> Bool {
        ((word & 0xF0F0_F0F0_F0F0_F0F0) | (((word &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)) == 0x3333_3333_3333_3333
    }

    /// The value of 8 ASCII digits, the first in the lowest byte: pairs, then quads, then the
    /// whole (each step multiplies the more significant half and adds the other; no lane overflows).
    @inline(__always)
    static func eightDigitsValue(_ word: UInt64) -> UInt64 {
        var v = word &- 0x3030_3030_3030_3030
        v = (v &* 10 &+ (v >> 8)) & 0x00FF_00FF_00FF_00FF
        v = (v &* 100 &+ (v >> 16)) & 0x0000_FFFF_0000_FFFF
        return (v &* 10_000 &+ (v >> 32)) & 0xFFFF_FFFF
    }

    /// A number at `i` of the shapes in the grammar above, into `numberBits`/`numberIsInteger`
    /// exactly as `JSONParser` makes it (Int64 bits, or the correctly rounded Double of
    /// mantissa / 10^fractionDigits); returns the index after it, or -1.
    @inline(__always)
    private mutating func readNumber(_ i: Int) -> Int {
        var j = i
        let negative = byte(j) == UInt8(ascii: "-")
        if negative { j += 1 }
        guard j < count else { return -1 }
        var mantissa: UInt64 = 0
        var digits = 0
        let first = byte(j) &- 48
        guard first < 10 else { return -1 }
        if first == 0 {
            j += 1
        } else {
            // Eight digits at a time while they last (long ids), then one by one.
            while digits <= 11 && j + 8 <= count {
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: j, as: UInt64.self))
                guard Self.isEightDigits(word) else { break }
                mantissa = mantissa &* 100_000_000 &+ Self.eightDigitsValue(word)
                digits += 8
                j += 8
            }
            while j < count, case let d = byte(j) &- 48, d < 10 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits += 1
                j += 1
            }
        }
        var fractionDigits = 0
        if j < count && byte(j) == UInt8(ascii: ".") {
            j += 1
            while j < count, case let d = byte(j) &- 48, d < 10 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                digits += 1
                fractionDigits += 1
                j += 1
            }
            guard fractionDigits > 0 else { return -1 }
        }
        // A digit after a leading zero, an exponent, or more digits than the exact path takes.
        guard digits <= 19, j >= count || (byte(j) | 0x20 != UInt8(ascii: "e") && byte(j) &- 48 >= 10) else { return -1 }
        if fractionDigits == 0 {
            guard mantissa <= UInt64(Int64.max) || (negative && mantissa == UInt64(Int64.max) + 1) else { return -1 }
            numberBits = negative ? 0 &- mantissa : mantissa
            numberIsInteger = true
        } else {
            guard mantissa < (1 << 53), fractionDigits <= 22 else { return -1 }
            var value = Double(mantissa) / JSONParser.exactPowersOfTen[fractionDigits]
            if negative { value = -value }
            numberBits = value.bitPattern
            numberIsInteger = false
        }
        return j
    }
}

/// A partition column's top-level member as `DirectRecordReader` saw it in the record just read.
package struct CapturedMember {
    /// The value's token as the tape path records it, except that a container is one token
    /// spanning its text (`start` at its opening byte, `end` past its closing one). Kind `.key`:
    /// the member was absent.
    package var value: JSONTape.Token
    /// The quoted key's position in the record.
    package var keyStart: UInt32
    package var keyLength: UInt32
    /// A timestamp or date column's value as stored (ms or µs since the epoch, or days): the
    /// parsed instant, so the keyer need not parse the text again. Nil for other columns.
    package var stored: Int64?

    static let absent = CapturedMember(
        value: JSONTape.Token(kind: .key, escaped: false, start: 0, end: 0, payload: 0), keyStart: 0, keyLength: 0, stored: nil)

    var isPresent: Bool { value.kind != .key }

    /// The captured members (`count` slots) as the shallow tape the keyer's full path reads:
    /// an object of the present members in record order (a container as an empty start/end
    /// pair spanning its text); `valueIndex[k]` is slot k's value token (-1: absent).
    static func shallowTape(_ captured: UnsafePointer<CapturedMember>, count: Int, into tape: inout JSONTape, valueIndex: inout [Int]) {
        tape.removeAll()
        valueIndex = Array(repeating: -1, count: count)
        let order = (0..<count).filter { captured[$0].isPresent }.sorted { captured[$0].keyStart < captured[$1].keyStart }
        tape.tokens.append(JSONTape.Token(kind: .objectStart, escaped: false, start: 0, end: 1, payload: 0))
        for k in order {
            let member = captured[k]
            tape.tokens.append(JSONTape.Token(kind: .key, escaped: false, start: member.keyStart, end: member.keyStart + member.keyLength, payload: 0))
            valueIndex[k] = tape.tokens.count
            let value = member.value
            switch value.kind {
            case .objectStart, .arrayStart:
                let at = tape.tokens.count
                tape.tokens.append(JSONTape.Token(kind: value.kind, escaped: false, start: value.start, end: value.start + 1, payload: UInt64(at + 1)))
                tape.tokens.append(JSONTape.Token(kind: value.kind == .objectStart ? .objectEnd : .arrayEnd, escaped: false, start: value.end - 1, end: value.end, payload: UInt64(at)))
            default:
                tape.tokens.append(value)
            }
        }
        tape.tokens[0].payload = UInt64(tape.tokens.count)
        tape.tokens.append(JSONTape.Token(kind: .objectEnd, escaped: false, start: 0, end: 1, payload: 0))
    }
}
