import LakeKernels

// The RLE / bit-packing hybrid, used for definition and repetition levels and dictionary indices.
// Spec: https://parquet.apache.org/docs/file-format/data-pages/encodings/#run-length-encoding--bit-packing-hybrid-rle--3
//
//   rle-bit-packed-hybrid := <length> <encoded-data>      (<length>: 4-byte LE, levels in v1 pages only)
//   encoded-data          := <run>*
//   run                   := <bit-packed-run> | <rle-run>
//   bit-packed-run        := <bit-packed-header> <bit-packed-values>
//   bit-packed-header     := varint-encode(<bit-pack-scaled-run-len> << 1 | 1)
//   bit-pack-scaled-run-len := number of groups of 8 values
//   rle-run               := <rle-header> <repeated-value>
//   rle-header            := varint-encode((rle-run-len) << 1)
//   repeated-value        := value in ceil(bit-width / 8) bytes, little-endian
//
// Policy (documented, tested): a run of at least 8 equal values that can start on a group
// boundary of the pending literal values becomes an RLE run; everything else is bit-packed in
// groups of 8. Bit-packed runs are capped at 63 groups (504 values) so their header is one
// byte, as parquet-mr's encoder does, for the widest reader compatibility. The final group is
// zero-padded; readers stop at the value count the page header gives.

/// Encodes unsigned values with the RLE/bit-packed hybrid.
public enum RLEHybridEncoder {
    /// Runs of at least this many equal values are written as RLE runs.
    static let minimumRepeatRun = 8
    /// Groups of 8 values per bit-packed run, at most.
    static let maximumGroupsPerBitPackedRun = 63

    /// Appends the hybrid encoding of `values` (each < 2^bitWidth) without a length prefix.
    public static func encode(_ values: UnsafeBufferPointer<UInt32>, bitWidth: Int, into out: inout ByteWriter) {
        precondition(bitWidth >= 0 && bitWidth <= 32, "bit width \(bitWidth) out of 0...32")
        let count = values.count
        guard count > 0 else { return }
        if bitWidth == 0 {
            // Every value is 0: one RLE run with a zero-byte value.
            out.appendULEB128(UInt64(count) << 1)
            return
        }
        var literalStart = 0
        var position = 0
        let base = values.baseAddress!
        while position < count {
            // Most positions of high-cardinality data start no run: skip them without a call.
            if position &+ 1 < count && base[position] != base[position &+ 1] {
                position &+= 1
                continue
            }
            let run = RunDetection.runLength(values, from: position)
            // Values needed to bring the pending literal to a whole number of groups of 8.
            let pad = (8 - (position - literalStart) % 8) % 8
            if run - pad >= minimumRepeatRun {
                position += pad
                writeBitPacked(values, from: literalStart, to: position, bitWidth: bitWidth, into: &out)
                let runLength = run - pad
                writeRLE(values[position], count: runLength, bitWidth: bitWidth, into: &out)
                position += runLength
                literalStart = position
            } else {
                position += run
            }
        }
        writeBitPacked(values, from: literalStart, to: count, bitWidth: bitWidth, into: &out)
    }

    /// Convenience for arrays.
    public static func encode(_ values: [UInt32], bitWidth: Int, into out: inout ByteWriter) {
        values.withUnsafeBufferPointer { encode($0, bitWidth: bitWidth, into: &out) }
    }

    static func writeRLE(_ value: UInt32, count: Int, bitWidth: Int, into out: inout ByteWriter) {
        out.appendULEB128(UInt64(count) << 1)
        var v = value
        for _ in 0..<((bitWidth + 7) / 8) {
            out.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    /// Bit-packs values[start..<end]; the range is a whole number of groups unless it ends the data.
    static func writeBitPacked(
        _ values: UnsafeBufferPointer<UInt32>, from start: Int, to end: Int, bitWidth: Int, into out: inout ByteWriter
    ) {
        var groupStart = start
        while groupStart < end {
            let groups = min((end - groupStart + 7) / 8, maximumGroupsPerBitPackedRun)
            let chunkEnd = min(groupStart + groups * 8, end)
            out.appendULEB128(UInt64(groups) << 1 | 1)
            let chunk = UnsafeBufferPointer(rebasing: values[groupStart..<chunkEnd])
            out.appendWithUnsafeCapacity(upTo: groups * bitWidth) { raw in
                BitPacking.pack(chunk, bitWidth: bitWidth, into: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            groupStart = chunkEnd
        }
    }
}

/// Definition/repetition level streams for data pages.
public enum LevelEncoder {
    /// Bits needed for levels up to `maxLevel`.
    public static func bitWidth(maxLevel: Int16) -> Int {
        BitPacking.bitWidth(of: UInt64(maxLevel))
    }

    /// The levels as the hybrid encoding; `lengthPrefixed` adds the 4-byte length of data page v1.
    public static func encode(
        _ levels: ArraySlice<Int16>, maxLevel: Int16, lengthPrefixed: Bool, into out: inout ByteWriter,
        scratch: inout [UInt32]
    ) {
        // The scratch only grows (a page's levels can be megabytes: allocating them per page would
        // map and fault fresh memory every time).
        let n = levels.count
        if scratch.count < n { scratch = [UInt32](repeating: 0, count: n) }
        let lengthAt = out.count
        if lengthPrefixed { out.appendLittleEndian(UInt32(0)) }
        let start = out.count
        scratch.withUnsafeMutableBufferPointer { wide in
            levels.withUnsafeBufferPointer { levels in
                for k in 0..<n { wide[k] = UInt32(UInt16(bitPattern: levels[k])) }
            }
            RLEHybridEncoder.encode(UnsafeBufferPointer(rebasing: wide[0..<n]), bitWidth: bitWidth(maxLevel: maxLevel), into: &out)
        }
        if lengthPrefixed {
            let length = UInt32(out.count - start)
            withUnsafeBytes(of: length.littleEndian) { bytes in
                for i in 0..<4 { out.bytes[lengthAt + i] = bytes[i] }
            }
        }
    }
}
