/// Byte arrays that encoded column chunks are written into, kept between row groups.
///
/// A large chunk (over glibc's 1 MiB mmap threshold, as `AllocatorTuning` sets it) was mapped
/// fresh for each row group, its pages faulted in and zero-filled while pages were copied in,
/// then unmapped when the chunk was written out: on job a at one thread, 2% of the samples were
/// those faults. The writer gives each chunk's array back once the chunk is in the file; the
/// encoder takes the smallest kept array that is large enough. At most `keep` arrays and
/// `maxKeptBytes` in all are kept, so a dataset's many writers do not pile up memory.
enum ChunkBytesPool {
    static let keep = 8
    static let maxKeptBytes = 16 << 20
    /// Arrays below this capacity come from malloc's heap, which reuses them anyway.
    static let minimumKeptCapacity = 1 << 20

    private final class Store: @unchecked Sendable {
        let lock = NSLockLike()
        var arrays: [[UInt8]] = []
        var keptBytes = 0
    }

    private static let store = Store()

    /// Arrays kept now (tests).
    static var keptCount: Int { store.lock.withLock { store.arrays.count } }

    /// An empty array with room for `capacity` bytes: a kept one when there is one large enough.
    static func take(capacity: Int) -> [UInt8] {
        if capacity >= minimumKeptCapacity {
            let kept: [UInt8]? = store.lock.withLock {
                var best = -1
                for (i, array) in store.arrays.enumerated() where array.capacity >= capacity {
                    if best < 0 || array.capacity < store.arrays[best].capacity { best = i }
                }
                guard best >= 0 else { return nil }
                let array = store.arrays.remove(at: best)
                store.keptBytes -= array.capacity
                return array
            }
            if let kept { return kept }
        }
        var array: [UInt8] = []
        array.reserveCapacity(capacity)
        return array
    }

    /// Keeps `array` (emptied, its capacity kept) for a later chunk, if there is room. The caller
    /// passes its only reference, so a later append does not copy it.
    static func give(_ array: consuming [UInt8]) {
        var array = array
        let capacity = array.capacity
        guard capacity >= minimumKeptCapacity else { return }
        array.removeAll(keepingCapacity: true)
        store.lock.withLock {
            if store.arrays.count >= keep || store.keptBytes + capacity > maxKeptBytes {
                // Full: keep the larger arrays (they are the ones mapped fresh).
                guard let smallest = store.arrays.indices.min(by: { store.arrays[$0].capacity < store.arrays[$1].capacity }),
                    store.arrays[smallest].capacity < capacity, store.keptBytes - store.arrays[smallest].capacity + capacity <= maxKeptBytes
                else { return }
                store.keptBytes -= store.arrays[smallest].capacity
                store.arrays.remove(at: smallest)
            }
            store.arrays.append(array)
            store.keptBytes += capacity
        }
    }
}
