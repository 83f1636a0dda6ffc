// Min/max scans for column statistics.
//
// Integers: the fast kernel reduces 8 lanes at a time with `SIMD8` pointwise min/max and folds the
// lanes at the end. Floating point follows the Parquet statistics rules: NaN is never a min or a
// max, and a scan of only NaNs has no min/max (returns nil). Signed zero is resolved by the caller
// (min -0.0, max +0.0) as the spec asks.

/// Min/max kernels with scalar references.
package enum MinMax {
    /// Min and max of `values` (nil when empty), comparing as signed (`T` signed) or unsigned.
    @inlinable
    package static func minMax<T: FixedWidthInteger & SIMDScalar>(
        _ values: UnsafeBufferPointer<T>
    ) -> (min: T, max: T)? {
        guard let base = values.baseAddress, values.count > 0 else { return nil }
        let count = values.count
        var i = 0
        var lo = T.max
        var hi = T.min
        if count >= 8 {
            let raw = UnsafeRawPointer(base)
            var vlo = SIMD8<T>(repeating: T.max)
            var vhi = SIMD8<T>(repeating: T.min)
            while i &+ 8 <= count {
                let lanes = raw.loadUnaligned(fromByteOffset: i &* MemoryLayout<T>.stride, as: SIMD8<T>.self)
                vlo = pointwiseMin(vlo, lanes)
                vhi = pointwiseMax(vhi, lanes)
                i &+= 8
            }
            lo = vlo.min()
            hi = vhi.max()
        }
        while i < count {
            let v = base[i]
            if v < lo { lo = v }
            if v > hi { hi = v }
            i &+= 1
        }
        return (lo, hi)
    }

    /// Min and max ignoring NaN; nil when there is no non-NaN value.
    @inlinable
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
