// Bit packing, as used by Parquet's RLE/bit-packed hybrid and by DELTA_BINARY_PACKED miniblocks.
//
// Spec: https://parquet.apache.org/docs/file-format/data-pages/encodings/#run-length-encoding--bit-packing-hybrid-rle--3
//
//   bit-packed-values := values packed LSB first: bit k of value i is bit (i * bitWidth + k) of the
//                        output stream, and bit j of the stream is bit (j % 8) of byte (j / 8).
//
// Example from the spec, bitWidth 3, values 0...7:
//   dec value: 0   1   2   3   4   5   6   7
//   bit label: ABCDEFGH IJKLMNOP QRSTUVWX
//   bytes:     0x88     0xC6     0xFA
//
// Values are packed in groups of 8 so that every group ends on a byte boundary (8 × bitWidth bits
// = bitWidth bytes). A short final group is padded with zero bits up to a whole group.

/// Bit-packing kernels. `pack*` writes `bytesNeeded(count:bitWidth:)` bytes.
///
/// Each kernel has a scalar reference (`*Reference`) that moves one bit at a time: it is the
/// definition the fast kernel is tested against, on every bit width and every tail length.
package enum BitPacking {
    /// Bytes used by `count` values of `bitWidth` bits, padded to whole groups of 8 values.
    @inlinable
    package static func bytesNeeded(count: Int, bitWidth: Int) -> Int {
        ((count + 7) / 8) * bitWidth
    }

    /// Packs `values` (each must fit in `bitWidth` bits, 0...32) into `output`; returns bytes written.
    ///
    /// A 64-bit accumulator collects bits and is drained 32 bits at a time; with bitWidth ≤ 32
    /// it never holds more than 63 bits, so no value is split across a drain.
    @inlinable
    package static func pack(
        _ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into output: UnsafeMutablePointer<UInt8>
    ) -> Int {
        precondition(bitWidth >= 0 && bitWidth <= 32, "bit width \(bitWidth) out of 0...32")
        let total = bytesNeeded(count: values.count, bitWidth: bitWidth)
        if bitWidth == 0 { return 0 }
        let width = UInt64(truncatingIfNeeded: bitWidth)
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 &<< width) &- 1
        var acc: UInt64 = 0
        var bits: UInt64 = 0
        var out = 0
        for value in values {
            acc |= (UInt64(value) & mask) &<< bits
            bits &+= width
            if bits >= 32 {
                storeLE32(UInt32(truncatingIfNeeded: acc), output + out)
                out &+= 4
                acc &>>= 32
                bits &-= 32
            }
        }
        // Drain the remainder, then zero-pad to the end of the last group of 8.
        while bits > 0 {
            output[out] = UInt8(truncatingIfNeeded: acc)
            out &+= 1
            acc &>>= 8
            bits = bits >= 8 ? bits &- 8 : 0
        }
        while out < total {
            output[out] = 0
            out &+= 1
        }
        return total
    }

    /// Packs 64-bit values (bitWidth 0...64), for DELTA_BINARY_PACKED miniblocks of INT64 columns.
    @inlinable
    package static func pack64(
        _ values: UnsafeBufferPointer<UInt64>, bitWidth: Int, into output: UnsafeMutablePointer<UInt8>
    ) -> Int {
        precondition(bitWidth >= 0 && bitWidth <= 64, "bit width \(bitWidth) out of 0...64")
        let total = bytesNeeded(count: values.count, bitWidth: bitWidth)
        if bitWidth == 0 { return 0 }
        let width = UInt64(truncatingIfNeeded: bitWidth)
        let mask: UInt64 = bitWidth == 64 ? .max : (1 &<< width) &- 1
        var acc: UInt64 = 0
        var bits: UInt64 = 0  // bits held in acc, always < 64
        var out = 0
        for raw in values {
            let value = raw & mask
            acc |= value &<< bits
            let filled = bits &+ width
            if filled >= 64 {
                storeLE64(acc, output + out)
                out &+= 8
                // The bits of `value` that did not fit; none when bits was 0.
                acc = bits == 0 ? 0 : value &>> (64 &- bits)
                bits = filled &- 64
            } else {
                bits = filled
            }
        }
        while bits > 0 {
            output[out] = UInt8(truncatingIfNeeded: acc)
            out &+= 1
            acc &>>= 8
            bits = bits >= 8 ? bits &- 8 : 0
        }
        while out < total {
            output[out] = 0
            out &+= 1
        }
        return total
    }

    /// Scalar reference for `pack`: sets one output bit at a time, straight from the definition.
    package static func packReference(_ values: [UInt64], bitWidth: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: bytesNeeded(count: values.count, bitWidth: bitWidth))
        for (i, value) in values.enumerated() {
            for k in 0..<bitWidth where (value >> UInt64(k)) & 1 == 1 {
                let bit = i * bitWidth + k
                output[bit / 8] |= 1 << UInt8(bit % 8)
            }
        }
        return output
    }

    /// Unpacks `count` values of `bitWidth` bits; the reference decoder used by tests and `inspect`.
    package static func unpackReference(_ bytes: [UInt8], count: Int, bitWidth: Int) -> [UInt64] {
        (0..<count).map { i in
            var value: UInt64 = 0
            for k in 0..<bitWidth {
                let bit = i * bitWidth + k
                if bytes[bit / 8] >> UInt8(bit % 8) & 1 == 1 { value |= 1 << UInt64(k) }
            }
            return value
        }
    }

    /// Bits needed to represent `value` (0 for 0).
    @inlinable
    package static func bitWidth(of value: UInt64) -> Int {
        64 - value.leadingZeroBitCount
    }

    @inlinable @inline(__always)
    package static func storeLE32(_ value: UInt32, _ pointer: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value.littleEndian, as: UInt32.self)
    }

    @inlinable @inline(__always)
    package static func storeLE64(_ value: UInt64, _ pointer: UnsafeMutablePointer<UInt8>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value.littleEndian, as: UInt64.self)
    }
}
