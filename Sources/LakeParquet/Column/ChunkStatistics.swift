#if canImport(Glibc)
import Glibc
#endif
import LakeKernels

// Column-chunk statistics. Spec: parquet.thrift `Statistics` and `ColumnOrder`
// (https://github.com/apache/parquet-format/blob/master/src/main/thrift/parquet.thrift).
//
// min_value/max_value are PLAIN-encoded values (no length prefix for byte arrays), compared in
// the type's defined order: signed for INT32/INT64, unsigned for UINT logical types, IEEE 754
// for FLOAT/DOUBLE with NaN never a bound (all-NaN → no bounds) and min −0.0 / max +0.0 when the
// bound is a zero, unsigned bytewise for BYTE_ARRAY and FLBA, signed big-endian for DECIMAL in
// FLBA. INT96 has no defined order: only null_count is written. Byte arrays longer than the
// truncation length get a shorter bound flagged inexact (min: a prefix; max: a prefix with its
// last incrementable character bumped), kept valid UTF-8.

enum ChunkStatistics {
    /// `distinctPositions`: positions of values that include every distinct byte-array value (a
    /// dictionary's first occurrences); the bounds are then found among those only.
    static func compute(_ column: ColumnBuffer, truncateLength: Int, distinctPositions: [Int]? = nil) -> StatisticsMetadata {
        let nullCount = Int64(nullEntries(column))
        var stats = StatisticsMetadata(nullCount: nullCount)
        let d = column.descriptor
        switch d.physicalType {
        case .boolean:
            guard !column.booleans.isEmpty else { break }
            let hasTrue = column.booleans.contains(true)
            let hasFalse = column.booleans.contains(false)
            stats.minValue = [hasFalse ? 0 : 1]
            stats.maxValue = [hasTrue ? 1 : 0]
        case .int32:
            let bounds: (Int32, Int32)? = column.int32s.withUnsafeBufferPointer { values in
                if d.isUnsigned {
                    return values.withMemoryRebound(to: UInt32.self) { MinMax.minMax($0) }
                        .map { (Int32(bitPattern: $0.min), Int32(bitPattern: $0.max)) }
                }
                return MinMax.minMax(values).map { ($0.min, $0.max) }
            }
            if let (lo, hi) = bounds { stats.set(min: littleEndian(lo), max: littleEndian(hi)) }
        case .int64:
            let bounds: (Int64, Int64)? = column.int64s.withUnsafeBufferPointer { values in
                if d.isUnsigned {
                    return values.withMemoryRebound(to: UInt64.self) { MinMax.minMax($0) }
                        .map { (Int64(bitPattern: $0.min), Int64(bitPattern: $0.max)) }
                }
                return MinMax.minMax(values).map { ($0.min, $0.max) }
            }
            if let (lo, hi) = bounds { stats.set(min: littleEndian(lo), max: littleEndian(hi)) }
        case .float:
            if let (lo, hi) = column.floats.withUnsafeBufferPointer({ MinMax.minMax($0) }) {
                stats.set(min: littleEndian(normalisedMin(lo).bitPattern), max: littleEndian(normalisedMax(hi).bitPattern))
            }
        case .double:
            if let (lo, hi) = column.doubles.withUnsafeBufferPointer({ MinMax.minMax($0) }) {
                stats.set(min: littleEndian(normalisedMin(lo).bitPattern), max: littleEndian(normalisedMax(hi).bitPattern))
            }
        case .int96:
            break
        case .byteArray, .fixedLenByteArray:
            guard column.byteArrays.count > 0 else { break }
            let signed: Bool = if case .decimal = d.dataType { true } else { false }
            let values = column.byteArrays
            let (lo, hi) = values.bytes.withUnsafeBytes { bytes in
                values.offsets.withUnsafeBufferPointer { offsets -> (Int, Int) in
                    func value(_ i: Int) -> UnsafeRawBufferPointer {
                        UnsafeRawBufferPointer(rebasing: bytes[Int(offsets[i])..<Int(offsets[i + 1])])
                    }
                    var lo = 0
                    var hi = 0
                    var loValue = value(0)
                    var hiValue = loValue
                    func consider(_ i: Int) {
                        let v = value(i)
                        if less(v, loValue, signed: signed) { lo = i; loValue = v }
                        if less(hiValue, v, signed: signed) { hi = i; hiValue = v }
                    }
                    if let distinctPositions {
                        for i in distinctPositions { consider(i) }
                    } else {
                        for i in 1..<values.count { consider(i) }
                    }
                    return (lo, hi)
                }
            }
            let isText = d.physicalType == .byteArray && d.dataType != .binary
            if d.physicalType == .byteArray {
                let (minBytes, minExact) = truncatedMin(Array(values[lo]), limit: truncateLength, utf8: isText)
                let (maxBytes, maxExact) = truncatedMax(Array(values[hi]), limit: truncateLength, utf8: isText)
                stats.set(min: minBytes, max: maxBytes)
                stats.isMinValueExact = minExact
                stats.isMaxValueExact = maxExact
            } else {
                stats.set(min: Array(values[lo]), max: Array(values[hi]))
            }
        }
        return stats
    }

    static func nullEntries(_ column: ColumnBuffer) -> Int {
        let maxDef = column.descriptor.maxDefinitionLevel
        guard maxDef > 0 else { return 0 }
        // Entries below the max that are nulls of this leaf (not empty or null ancestors' lists
        // still count: parquet-mr and arrow count every level below max as a null).
        return column.definitionLevels.reduce(0) { $0 + ($1 < maxDef ? 1 : 0) }
    }

    private static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    private static func normalisedMin<T: BinaryFloatingPoint>(_ value: T) -> T { value == 0 ? -T(0) : value }
    private static func normalisedMax<T: BinaryFloatingPoint>(_ value: T) -> T { value == 0 ? T(0) : value }

    /// Bytewise unsigned order, or signed big-endian two's complement for decimals.
    @inline(__always)
    static func less(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, signed: Bool) -> Bool {
        if signed {
            let aNegative = (a.first ?? 0) & 0x80 != 0
            let bNegative = (b.first ?? 0) & 0x80 != 0
            if aNegative != bNegative { return aNegative }
            if a.count != b.count { return aNegative ? a.count > b.count : a.count < b.count }
        }
        let common = Swift.min(a.count, b.count)
        // The first 8 bytes as one big-endian word decide most pairs without a `memcmp` call
        // (statistics compare every value of a column that is not dictionary-encoded, twice).
        if common >= 8 {
            let x = UInt64(bigEndian: a.loadUnaligned(as: UInt64.self))
            let y = UInt64(bigEndian: b.loadUnaligned(as: UInt64.self))
            if x != y { return x < y }
        }
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }

    /// A prefix ≤ the value; cut at a UTF-8 character boundary for text.
    static func truncatedMin(_ value: [UInt8], limit: Int, utf8: Bool) -> ([UInt8], Bool) {
        guard value.count > limit else { return (value, true) }
        var cut = limit
        if utf8 { while cut > 0 && value[cut] & 0xC0 == 0x80 { cut -= 1 } }
        return (Array(value[..<cut]), false)
    }

    /// A short value ≥ the value: a prefix whose last incrementable byte is bumped. For text only
    /// ASCII bytes below 0x7F are bumped, so the result stays valid UTF-8. Exact when impossible.
    static func truncatedMax(_ value: [UInt8], limit: Int, utf8: Bool) -> ([UInt8], Bool) {
        guard value.count > limit else { return (value, true) }
        var end = limit
        while end > 0 {
            let byte = value[end - 1]
            if utf8 ? byte < 0x7F : byte < 0xFF {
                var result = Array(value[..<end])
                result[end - 1] += 1
                return (result, false)
            }
            end -= 1
        }
        return (value, true)
    }
}

extension StatisticsMetadata {
    mutating func set(min: [UInt8], max: [UInt8]) {
        minValue = min
        maxValue = max
        isMinValueExact = true
        isMaxValueExact = true
    }
}
