// Run detection for the RLE/bit-packed hybrid: how many values from a position repeat the first.
//
// The fast kernel compares 8 lanes at a time (`SIMD8<UInt32>`, which lowers to two 128-bit
// compares) and folds the lane mask; the reference walks one value at a time.

/// Kernels that measure runs of equal values.
package enum RunDetection {
    /// Length of the run of values equal to `values[start]`, starting at `start` (≥ 1 when
    /// `start < values.count`).
    @inlinable
    package static func runLength(_ values: UnsafeBufferPointer<UInt32>, from start: Int) -> Int {
        let count = values.count
        guard start < count, let base = values.baseAddress else { return 0 }
        let first = base[start]
        var i = start &+ 1
        let splat = SIMD8<UInt32>(repeating: first)
        let raw = UnsafeRawPointer(base)
        while i &+ 8 <= count {
            let lanes = raw.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<UInt32>.self)
            let differs = lanes .!= splat
            if any(differs) {
                // First differing lane: scan the 8 lanes (cheap, once per run).
                var lane = 0
                while !differs[lane] { lane &+= 1 }
                return i &+ lane &- start
            }
            i &+= 8
        }
        while i < count && base[i] == first { i &+= 1 }
        return i &- start
    }

    /// Scalar reference for `runLength`.
    package static func runLengthReference(_ values: [UInt32], from start: Int) -> Int {
        guard start < values.count else { return 0 }
        var i = start + 1
        while i < values.count && values[i] == values[start] { i += 1 }
        return i - start
    }
}
