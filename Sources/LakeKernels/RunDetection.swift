// Run detection for the RLE/bit-packed hybrid: how many values from a position repeat the first.
//
// The fast kernel XORs 8 values against the first and ORs the results (a branch-free block
// the optimiser turns into two 128-bit XOR/OR pairs), branching once per 8 values; only the
// block holding the end of the run is scanned lane by lane. The reference walks one value at a
// time. (A `SIMD8<UInt32>` formulation was measured first: its lane subscript was not
// specialised and went through libswiftCore's generic entry point per lane.)

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
        while i &+ 8 <= count {
            var differs: UInt32 = 0
            for k in 0..<8 { differs |= base[i &+ k] ^ first }
            if differs != 0 { break }
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
