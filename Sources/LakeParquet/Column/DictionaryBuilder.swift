#if canImport(Glibc)
import Glibc
#endif

/// Builds a dictionary (distinct values in first-seen order) and the index of every value.
///
/// Open addressing with linear probing over a power-of-two table; keys are compared by their
/// bit patterns (so -0.0 and 0.0 are distinct entries, and identical NaNs share one), which is
/// what round-tripping the exact values needs. Building stops, returning nil, as soon as the
/// dictionary passes its entry or byte limit: the caller then falls back to another encoding.
struct DictionaryBuilder {
    /// Fixed-width values, compared and hashed by their bit patterns (`bits`).
    @inline(__always)
    static func build<T>(
        fixedWidth values: UnsafeBufferPointer<T>, bits: (T) -> UInt64, valueByteWidth: Int, entryLimit: Int, byteLimit: Int
    ) -> (entries: [Int], indices: [UInt32])? {
        build(
            count: values.count, hash: { hash64(bits(values[$0])) }, equal: { bits(values[$0]) == bits(values[$1]) },
            admit: { _, entries in entries < entryLimit && (entries + 1) * valueByteWidth <= byteLimit })
    }

    /// Byte arrays `buffer`; the dictionary's PLAIN size counts the 4-byte length prefixes.
    static func build(
        byteArrays buffer: ByteArrayBuffer, entryLimit: Int, byteLimit: Int, lengthPrefix: Int
    ) -> (entries: [Int], indices: [UInt32])? {
        var dictionaryBytes = 0
        return buffer.bytes.withUnsafeBytes { bytes in
            buffer.offsets.withUnsafeBufferPointer { offsets in
                let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                return build(
                    count: buffer.count,
                    hash: { hashBytes(UnsafeRawBufferPointer(start: base + Int(offsets[$0]), count: Int(offsets[$0 + 1] &- offsets[$0]))) },
                    equal: { a, b in
                        let length = Int(offsets[a + 1] &- offsets[a])
                        return Int(offsets[b + 1] &- offsets[b]) == length && sameBytes(base + Int(offsets[a]), base + Int(offsets[b]), length)
                    },
                    admit: { value, entries in
                        dictionaryBytes += Int(offsets[value + 1] &- offsets[value]) + lengthPrefix
                        return entries < entryLimit && dictionaryBytes <= byteLimit
                    })
            }
        }
    }

    /// The probe loop of both kinds: value `i`'s `hash`, whether two values are `equal`, and
    /// whether value `i` may become entry number `entries` (`admit`: the limits; false stops the
    /// build). Each entry is its first value's position. The hot loop works on raw pointers: the
    /// table and each entry's hash and position live in buffers that start small and double with
    /// the entries (a column of a few distinct values touches a few kilobytes, not tables sized
    /// for the entry limit), with no array uniqueness or bounds checks.
    @inline(__always)
    private static func build(
        count: Int, hash: (Int) -> UInt64, equal: (Int, Int) -> Bool, admit: (_ value: Int, _ entries: Int) -> Bool
    ) -> (entries: [Int], indices: [UInt32])? {
        guard count > 0 else { return ([], []) }
        var indices = [UInt32](repeating: 0, count: count)
        var table = ProbeTable(capacity: 1024)
        defer { table.deallocate() }
        let completed: Bool = indices.withUnsafeMutableBufferPointer { indices in
            for i in 0..<count {
                let h = hash(i)
                var slot = Int(truncatingIfNeeded: h) & table.mask
                while true {
                    let found = Int(table.slots[slot])
                    if found < 0 {
                        guard admit(i, table.count) else { return false }
                        indices[i] = UInt32(table.count)
                        table.insert(at: slot, position: i, hash: h)
                        break
                    }
                    if table.hashes[found] == h && equal(table.positions[found], i) {
                        indices[i] = UInt32(found)
                        break
                    }
                    slot = (slot + 1) & table.mask
                }
            }
            return true
        }
        guard completed else { return nil }
        return (Array(UnsafeBufferPointer(start: table.positions, count: table.count)), indices)
    }

    /// Open addressing over entries (each its first value's position and its hash), kept at most
    /// half full: it doubles and re-slots the entries from their stored hashes.
    struct ProbeTable {
        private(set) var slots: UnsafeMutablePointer<Int32>
        private(set) var positions: UnsafeMutablePointer<Int>
        private(set) var hashes: UnsafeMutablePointer<UInt64>
        private(set) var capacity: Int
        private(set) var count = 0
        var mask: Int { capacity - 1 }

        init(capacity: Int) {
            self.capacity = capacity
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: -1, count: capacity)
            positions = .allocate(capacity: capacity / 2 + 1)
            hashes = .allocate(capacity: capacity / 2 + 1)
        }

        @inline(__always)
        mutating func insert(at slot: Int, position: Int, hash: UInt64) {
            slots[slot] = Int32(count)
            positions[count] = position
            hashes[count] = hash
            count += 1
            if count * 2 > capacity { grow() }
        }

        @inline(never)
        private mutating func grow() {
            let newCapacity = capacity * 2
            let newSlots = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
            newSlots.initialize(repeating: -1, count: newCapacity)
            for entry in 0..<count {
                var slot = Int(truncatingIfNeeded: hashes[entry]) & (newCapacity - 1)
                while newSlots[slot] >= 0 { slot = (slot + 1) & (newCapacity - 1) }
                newSlots[slot] = Int32(entry)
            }
            let newPositions = UnsafeMutablePointer<Int>.allocate(capacity: newCapacity / 2 + 1)
            newPositions.update(from: positions, count: count)
            let newHashes = UnsafeMutablePointer<UInt64>.allocate(capacity: newCapacity / 2 + 1)
            newHashes.update(from: hashes, count: count)
            deallocate()
            slots = newSlots
            positions = newPositions
            hashes = newHashes
            capacity = newCapacity
        }

        func deallocate() {
            slots.deallocate()
            positions.deallocate()
            hashes.deallocate()
        }
    }

    /// A 64-bit mix (the murmur3 finaliser): every input bit affects the low bits used as slots.
    @inline(__always)
    static func hash64(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }

    /// Hash of a byte string: 8-byte words folded through `hash64`; the last 1-7 bytes as one
    /// word too (the string's last 8 bytes shifted, when it has 8; else two overlapping halves).
    @inline(__always)
    static func hashBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        var i = 0
        while i + 8 <= count {
            h = hash64(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        let rest = count - i
        guard rest > 0 else { return hash64(h) }
        return hash64(h ^ tailWord(bytes.baseAddress!, count: count, rest: rest))
    }

    /// The last `rest` (1-7) bytes of the `count` at `base`, little-endian in the low bytes of a
    /// word, read without touching a byte outside the string.
    @inline(__always)
    static func tailWord(_ base: UnsafeRawPointer, count: Int, rest: Int) -> UInt64 {
        if count >= 8 { return base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) >> UInt64(64 - 8 * rest) }
        if rest >= 4 {
            let low = UInt64(base.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            let high = UInt64(base.loadUnaligned(fromByteOffset: rest - 4, as: UInt32.self))
            return low | high << UInt64(8 * (rest - 4))
        }
        var word = UInt64(base.load(fromByteOffset: 0, as: UInt8.self))
        if rest > 1 { word |= UInt64(base.load(fromByteOffset: rest / 2, as: UInt8.self)) << 8 }
        if rest > 2 { word |= UInt64(base.load(fromByteOffset: rest - 1, as: UInt8.self)) << 16 }
        return word
    }

    /// Whether `count` bytes at `a` and `b` are equal: words inline for short strings (most
    /// dictionary values), `memcmp` beyond 16 bytes.
    @inline(__always)
    static func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
        if count > 16 { return memcmp(a, b, count) == 0 }
        if count >= 8 {
            return a.loadUnaligned(as: UInt64.self) == b.loadUnaligned(as: UInt64.self)
                && a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        var k = 0
        while k < count {
            guard a.load(fromByteOffset: k, as: UInt8.self) == b.load(fromByteOffset: k, as: UInt8.self) else { return false }
            k += 1
        }
        return true
    }
}
