import LakeKernels

// DELTA_BINARY_PACKED. Spec: https://parquet.apache.org/docs/file-format/data-pages/encodings/#delta-encoding-delta_binary_packed--5
//
//   delta-binary-packed := <header> <block>*
//   header              := varint(<block size in values>) varint(<miniblocks in a block>)
//                          varint(<total value count>) zigzag-varint(<first value>)
//   block               := zigzag-varint(<min delta>) <bit width of each miniblock: 1 byte each>
//                          <miniblock>*
//   miniblock           := (delta − min delta) for each of its values, bit-packed at its width
//
// Deltas are value[i] − value[i−1] with two's-complement wrap-around in the column's width
// (32 bits for INT32, so a width never exceeds 32 there). Block geometry: 128 values in 4
// miniblocks of 32, as parquet-mr writes. The last block's unused miniblocks keep a width byte
// (0) but have no body; the last used miniblock is padded to 32 values.

/// Encodes INT32 or INT64 values with DELTA_BINARY_PACKED.
public enum DeltaBinaryPackedEncoder {
    public static let blockSize = 128
    public static let miniblocksPerBlock = 4
    static let miniblockSize = blockSize / miniblocksPerBlock

    /// Appends the encoding; returns the widest miniblock bit width used.
    @discardableResult
    public static func encode(_ values: ArraySlice<Int64>, into out: inout ByteWriter) -> Int {
        encode(count: values.count, first: values.first ?? 0, bitWidth: 64, into: &out) { i in
            UInt64(bitPattern: values[values.startIndex + i])
        }
    }

    @discardableResult
    public static func encode(_ values: ArraySlice<Int32>, into out: inout ByteWriter) -> Int {
        encode(count: values.count, first: Int64(values.first ?? 0), bitWidth: 32, into: &out) { i in
            UInt64(UInt32(bitPattern: values[values.startIndex + i]))
        }
    }

    /// `value(i)` gives the i-th value's bits, zero-extended from `bitWidth` bits.
    private static func encode(
        count: Int, first: Int64, bitWidth: Int, into out: inout ByteWriter, value: (Int) -> UInt64
    ) -> Int {
        let mask: UInt64 = bitWidth == 64 ? .max : (1 << UInt64(bitWidth)) - 1
        let signBit: UInt64 = 1 << UInt64(bitWidth - 1)
        out.appendULEB128(UInt64(blockSize))
        out.appendULEB128(UInt64(miniblocksPerBlock))
        out.appendULEB128(UInt64(count))
        out.appendZigZag(first)
        guard count > 1 else { return 0 }
        var widest = 0

        var deltas = [UInt64](repeating: 0, count: blockSize)
        var previous = value(0)
        var index = 1
        while index < count {
            let n = min(blockSize, count - index)
            // Deltas in the column's width, then the block's minimum as a signed number.
            var minDelta = Int64.max
            for j in 0..<n {
                let current = value(index + j)
                let delta = (current &- previous) & mask
                previous = current
                deltas[j] = delta
                let signed = (delta & signBit) != 0 ? Int64(bitPattern: delta | ~mask) : Int64(bitPattern: delta)
                minDelta = min(minDelta, signed)
            }
            out.appendZigZag(minDelta)
            let minBits = UInt64(bitPattern: minDelta) & mask
            for j in 0..<n { deltas[j] = (deltas[j] &- minBits) & mask }
            for j in n..<blockSize { deltas[j] = 0 }

            let usedMiniblocks = (n + miniblockSize - 1) / miniblockSize
            var widths = [Int](repeating: 0, count: miniblocksPerBlock)
            for m in 0..<usedMiniblocks {
                var maxValue: UInt64 = 0
                for j in (m * miniblockSize)..<((m + 1) * miniblockSize) { maxValue |= deltas[j] }
                widths[m] = BitPacking.bitWidth(of: maxValue)
                widest = max(widest, widths[m])
            }
            for w in widths { out.append(UInt8(w)) }
            deltas.withUnsafeBufferPointer { all in
                for m in 0..<usedMiniblocks {
                    let mini = UnsafeBufferPointer(rebasing: all[(m * miniblockSize)..<((m + 1) * miniblockSize)])
                    out.appendWithUnsafeCapacity(upTo: BitPacking.bytesNeeded(count: miniblockSize, bitWidth: widths[m])) {
                        BitPacking.pack64(mini, bitWidth: widths[m], into: $0.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            index += n
        }
        return widest
    }
}
