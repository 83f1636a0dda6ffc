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
            count: values.count, key: { bits(values[$0]) }, hash: { hash64($0) }, equal: { $0 == $1 },
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
                // A value's key: its start (high half) and length (low half) in `bytes`.
                return build(
                    count: buffer.count,
                    key: { UInt64(offsets[$0]) << 32 | UInt64(offsets[$0 + 1] &- offsets[$0]) },
                    hash: { key in hashBytes(UnsafeRawBufferPointer(start: base + Int(key >> 32), count: Int(key & 0xFFFF_FFFF))) },
                    equal: { entryKey, key in
                        let length = Int(key & 0xFFFF_FFFF)
                        return Int(entryKey & 0xFFFF_FFFF) == length && sameBytes(base + Int(entryKey >> 32), base + Int(key >> 32), length)
                    },
                    admit: { value, entries in
                        dictionaryBytes += Int(offsets[value + 1] &- offsets[value]) + lengthPrefix
                        return entries < entryLimit && dictionaryBytes <= byteLimit
                    })
            }
        }
    }

    /// The probe loop of both kinds: value `i`'s `key` (the bits of a fixed-width value; a byte
    /// array's start and length), the key's `hash`, whether an entry's key and a value's are
    /// `equal`, and whether value `i` may become entry number `entries` (`admit`: the limits;
    /// false stops the build). Each entry keeps its hash and key beside its first value's
    /// position, so a probe compares them with no load from the column (the entry's first value
    /// is far behind, out of cache). The hot loop works on raw pointers: the slots and entries
    /// live in buffers that start small and double with the entries (a column of a few distinct
    /// values touches a few kilobytes, not tables sized for the entry limit), with no array
    /// uniqueness or bounds checks.
    @inline(__always)
    private static func build(
        count: Int, key: (Int) -> UInt64, hash: (_ key: UInt64) -> UInt64,
        equal: (_ entryKey: UInt64, _ key: UInt64) -> Bool, admit: (_ value: Int, _ entries: Int) -> Bool
    ) -> (entries: [Int], indices: [UInt32])? {
        guard count > 0 else { return ([], []) }
        var indices = [UInt32](repeating: 0, count: count)
        var table = ProbeTable(capacity: 1024)
        defer { table.deallocate() }
        let completed: Bool = indices.withUnsafeMutableBufferPointer { indices in
            for i in 0..<count {
                let k = key(i)
                let h = hash(k)
                var slot = Int(truncatingIfNeeded: h) & table.mask
                while true {
                    let found = Int(table.slots[slot])
                    if found < 0 {
                        guard admit(i, table.count) else { return false }
                        indices[i] = UInt32(table.count)
                        table.insert(at: slot, Entry(hash: h, key: k, position: i))
                        break
                    }
                    let entry = table.entries[found]
                    if entry.hash == h && equal(entry.key, k) {
                        indices[i] = UInt32(found)
                        break
                    }
                    slot = (slot + 1) & table.mask
                }
            }
            return true
        }
        guard completed else { return nil }
        return ((0..<table.count).map { table.entries[$0].position }, indices)
    }

    struct Entry {
        var hash: UInt64
        var key: UInt64
        var position: Int
    }

    struct ProbeTable {
        private(set) var slots: UnsafeMutablePointer<Int32>
        private(set) var entries: UnsafeMutablePointer<Entry>
        private(set) var capacity: Int
        private(set) var count = 0
        var mask: Int { capacity - 1 }

        init(capacity: Int) {
            self.capacity = capacity
            slots = .allocate(capacity: capacity)
            slots.initialize(repeating: -1, count: capacity)
            entries = .allocate(capacity: capacity / 2 + 1)
        }

        @inline(__always)
        mutating func insert(at slot: Int, _ entry: Entry) {
            slots[slot] = Int32(count)
            (entries + count).initialize(to: entry)
            count += 1
            if count * 2 > capacity { grow() }
        }

        @inline(never)
        private mutating func grow() {
            let newCapacity = capacity * 2
            let newSlots = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
            newSlots.initialize(repeating: -1, count: newCapacity)
            for entry in 0..<count {
                var slot = Int(truncatingIfNeeded: entries[entry].hash) & (newCapacity - 1)
                while newSlots[slot] >= 0 { slot = (slot + 1) & (newCapacity - 1) }
                newSlots[slot] = Int32(entry)
            }
            let newEntries = UnsafeMutablePointer<Entry>.allocate(capacity: newCapacity / 2 + 1)
            newEntries.initialize(from: entries, count: count)
            deallocate()
            slots = newSlots
            entries = newEntries
            capacity = newCapacity
        }

        func deallocate() {
            slots.deallocate()
            entries.deallocate()
        }
    }

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

    /// Hash of a byte string: each 8-byte word folded in by one multiply and shift, the last 1-7
    /// bytes as one word too (the string's last 8 bytes shifted, when it has 8; else two
    /// overlapping halves), then `hash64` once to mix the low bits the table indexes by.
    @inline(__always)
    static func hashBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(count)
        @inline(__always) func fold(_ word: UInt64) {
            h = (h ^ word) &* 0xff51_afd7_ed55_8ccd
            h ^= h >> 29
        }
        var i = 0
        while i + 8 <= count {
            fold(bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        let rest = count - i
        if rest > 0 { fold(tailWord(bytes.baseAddress!, count: count, rest: rest)) }
        return hash64(h)
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
