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
    /// Fixed-width values, as bit patterns.
    static func build(
        fixedWidth values: UnsafeBufferPointer<UInt64>, valueByteWidth: Int, entryLimit: Int, byteLimit: Int
    ) -> (entries: [UInt64], indices: [UInt32])? {
        var capacity = 1024
        var table = [Int32](repeating: -1, count: capacity)
        var entries: [UInt64] = []
        var indices = [UInt32]()
        indices.reserveCapacity(values.count)
        for value in values {
            var slot = Int(truncatingIfNeeded: hash64(value)) & (capacity - 1)
            while true {
                let found = table[slot]
                if found < 0 {
                    if entries.count >= entryLimit || (entries.count + 1) * valueByteWidth > byteLimit { return nil }
                    table[slot] = Int32(entries.count)
                    indices.append(UInt32(entries.count))
                    entries.append(value)
                    if entries.count * 2 > capacity {
                        capacity *= 2
                        table = rehash(entries.count, capacity: capacity) { hash64(entries[$0]) }
                    }
                    break
                }
                if entries[Int(found)] == value {
                    indices.append(UInt32(found))
                    break
                }
                slot = (slot + 1) & (capacity - 1)
            }
        }
        return (entries, indices)
    }

    /// Byte arrays `buffer`; the dictionary's PLAIN size counts the 4-byte length prefixes.
    ///
    /// The hot loop works on raw pointers: the table, each entry's hash and first-value position,
    /// and the indices are preallocated, so a value costs a hash, a probe and (on a hash match) one
    /// length check and `memcmp`, with no array uniqueness or bounds checks.
    static func build(
        byteArrays buffer: ByteArrayBuffer, entryLimit: Int, byteLimit: Int, lengthPrefix: Int
    ) -> (entries: [Int], indices: [UInt32])? {
        let count = buffer.count
        guard count > 0 else { return ([], []) }
        // At most entryLimit entries (and no more than values) ever live in the table.
        let maxEntries = Swift.min(entryLimit, count) + 1
        var capacity = 1024
        while capacity < maxEntries * 2 { capacity *= 2 }
        var indices = [UInt32](repeating: 0, count: count)
        var entries = [Int](repeating: 0, count: maxEntries)
        var hashes = [UInt64](repeating: 0, count: maxEntries)
        var table = [Int32](repeating: -1, count: capacity)
        let mask = capacity - 1
        var entryCount = 0
        var dictionaryBytes = 0
        let completed: Bool = buffer.bytes.withUnsafeBytes { bytes in
            buffer.offsets.withUnsafeBufferPointer { offsets in
                indices.withUnsafeMutableBufferPointer { indices in
                    entries.withUnsafeMutableBufferPointer { entries in
                        hashes.withUnsafeMutableBufferPointer { hashes in
                            table.withUnsafeMutableBufferPointer { table in
                                let base = bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
                                for i in 0..<count {
                                    let start = Int(offsets[i])
                                    let length = Int(offsets[i + 1]) - start
                                    let value = UnsafeRawBufferPointer(start: base + start, count: length)
                                    let h = hashBytes(value)
                                    var slot = Int(truncatingIfNeeded: h) & mask
                                    while true {
                                        let found = Int(table[slot])
                                        if found < 0 {
                                            dictionaryBytes += length + lengthPrefix
                                            if entryCount >= entryLimit || dictionaryBytes > byteLimit { return false }
                                            table[slot] = Int32(entryCount)
                                            indices[i] = UInt32(entryCount)
                                            entries[entryCount] = i
                                            hashes[entryCount] = h
                                            entryCount += 1
                                            break
                                        }
                                        if hashes[found] == h {
                                            let entry = entries[found]
                                            let otherStart = Int(offsets[entry])
                                            if Int(offsets[entry + 1]) - otherStart == length
                                                && (length == 0 || memcmp(base + otherStart, base + start, length) == 0)
                                            {
                                                indices[i] = UInt32(found)
                                                break
                                            }
                                        }
                                        slot = (slot + 1) & mask
                                    }
                                }
                                return true
                            }
                        }
                    }
                }
            }
        }
        guard completed else { return nil }
        entries.removeSubrange(entryCount...)
        return (entries, indices)
    }

    private static func rehash(_ count: Int, capacity: Int, hash: (Int) -> UInt64) -> [Int32] {
        var table = [Int32](repeating: -1, count: capacity)
        for entry in 0..<count {
            var slot = Int(truncatingIfNeeded: hash(entry)) & (capacity - 1)
            while table[slot] >= 0 { slot = (slot + 1) & (capacity - 1) }
            table[slot] = Int32(entry)
        }
        return table
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

    /// Hash of a byte string: 8-byte words folded through `hash64`.
    @inline(__always)
    static func hashBytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var i = 0
        while i + 8 <= bytes.count {
            h = hash64(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < bytes.count {
            tail |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        return hash64(h ^ tail)
    }
}
