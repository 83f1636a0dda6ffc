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
    static func build(
        byteArrays buffer: ByteArrayBuffer, entryLimit: Int, byteLimit: Int, lengthPrefix: Int
    ) -> (entries: [Int], indices: [UInt32])? {
        var capacity = 1024
        var table = [Int32](repeating: -1, count: capacity)
        var hashes: [UInt64] = []
        var entries: [Int] = []  // value index in `buffer` of each entry
        var dictionaryBytes = 0
        var indices = [UInt32]()
        indices.reserveCapacity(buffer.count)
        return buffer.bytes.withUnsafeBytes { bytes -> (entries: [Int], indices: [UInt32])? in
            buffer.offsets.withUnsafeBufferPointer { offsets -> (entries: [Int], indices: [UInt32])? in
                for i in 0..<(offsets.count - 1) {
                    let start = Int(offsets[i])
                    let value = UnsafeRawBufferPointer(rebasing: bytes[start..<Int(offsets[i + 1])])
                    let h = hashBytes(value)
                    var slot = Int(truncatingIfNeeded: h) & (capacity - 1)
                    while true {
                        let found = table[slot]
                        if found < 0 {
                            dictionaryBytes += value.count + lengthPrefix
                            if entries.count >= entryLimit || dictionaryBytes > byteLimit { return nil }
                            table[slot] = Int32(entries.count)
                            indices.append(UInt32(entries.count))
                            entries.append(i)
                            hashes.append(h)
                            if entries.count * 2 > capacity {
                                capacity *= 2
                                table = rehash(entries.count, capacity: capacity) { hashes[$0] }
                            }
                            break
                        }
                        let entry = entries[Int(found)]
                        if hashes[Int(found)] == h {
                            let other = UnsafeRawBufferPointer(
                                rebasing: bytes[Int(offsets[entry])..<Int(offsets[entry + 1])])
                            if other.elementsEqual(value) {
                                indices.append(UInt32(found))
                                break
                            }
                        }
                        slot = (slot + 1) & (capacity - 1)
                    }
                }
                return (entries, indices)
            }
        }
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
