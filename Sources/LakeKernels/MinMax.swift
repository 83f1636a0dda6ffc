// Min/max scans for column statistics.
//
// Integers: the fast kernel keeps four independent min/max accumulators (breaking the
// dependency chain so the loop runs at load throughput, and letting the optimiser vectorise
// where the target has packed min/max) and folds them at the end. Floating point follows the Parquet statistics rules: NaN is never a min or a
// max, and a scan of only NaNs has no min/max (returns nil). Signed zero is resolved by the caller
// (min -0.0, max +0.0) as the spec asks.

/// Min/max kernels with scalar references.
package enum MinMax {
    /// Min and max of `values` (nil when empty), comparing as signed (`T` signed) or unsigned.
    // Specialised here for the statistics types: without it a caller in another module ran the
    // generic body, one witness-table call per comparison.
    @inlinable
    @_specialize(exported: true, where T == Int64)
    @_specialize(exported: true, where T == UInt64)
    @_specialize(exported: true, where T == Int32)
    @_specialize(exported: true, where T == UInt32)
    package static func minMax<T: FixedWidthInteger>(_ values: UnsafeBufferPointer<T>) -> (min: T, max: T)? {
        guard let base = values.baseAddress, values.count > 0 else { return nil }
        let count = values.count
        var lo0 = base[0], lo1 = base[0], lo2 = base[0], lo3 = base[0]
        var hi0 = base[0], hi1 = base[0], hi2 = base[0], hi3 = base[0]
        var i = 0
        while i &+ 4 <= count {
            let a = base[i], b = base[i &+ 1], c = base[i &+ 2], d = base[i &+ 3]
            lo0 = Swift.min(lo0, a); hi0 = Swift.max(hi0, a)
            lo1 = Swift.min(lo1, b); hi1 = Swift.max(hi1, b)
            lo2 = Swift.min(lo2, c); hi2 = Swift.max(hi2, c)
            lo3 = Swift.min(lo3, d); hi3 = Swift.max(hi3, d)
            i &+= 4
        }
        while i < count {
            lo0 = Swift.min(lo0, base[i]); hi0 = Swift.max(hi0, base[i])
            i &+= 1
        }
        return (Swift.min(Swift.min(lo0, lo1), Swift.min(lo2, lo3)), Swift.max(Swift.max(hi0, hi1), Swift.max(hi2, hi3)))
    }

    /// Min and max ignoring NaN; nil when there is no non-NaN value.
    @inlinable
    @_specialize(exported: true, where T == Double)
    @_specialize(exported: true, where T == Float)
    package static func minMax<T: BinaryFloatingPoint>(_ values: UnsafeBufferPointer<T>) -> (min: T, max: T)? {
        var lo = T.infinity
        var hi = -T.infinity
        var seen = false
        for v in values where !v.isNaN {
            seen = true
            if v < lo || (v == lo && v.sign == .minus) { lo = v }
            if v > hi || (v == hi && v.sign == .plus) { hi = v }
        }
        return seen ? (lo, hi) : nil
    }

    /// Scalar reference for the integer kernel.
    package static func minMaxReference<T: FixedWidthInteger>(_ values: [T]) -> (min: T, max: T)? {
        guard let first = values.first else { return nil }
        return values.reduce((first, first)) { (Swift.min($0.0, $1), Swift.max($0.1, $1)) }
    }
}
