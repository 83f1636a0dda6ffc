@testable import LakeParquet
import Testing

/// Golden bytes for the RLE/bit-packed hybrid, derived by hand from the grammar in
/// RLEHybridEncoder.swift (Encodings.md), never from the encoder's own output.
@Suite struct RLEHybridGoldenTests {
    func encode(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        var out = ByteWriter()
        RLEHybridEncoder.encode(values, bitWidth: bitWidth, into: &out)
        return out.bytes
    }

    /// Spec bit order, written out independently: bit k of value i lands in stream bit i*w+k.
    func specPacked(_ values: [UInt32], bitWidth w: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ((values.count + 7) / 8) * w)
        var bit = 0
        for v in values {
            for k in 0..<w {
                if (v >> UInt32(k)) & 1 == 1 { out[bit >> 3] |= UInt8(1) << UInt8(bit & 7) }
                bit += 1
            }
        }
        return out
    }

    @Test("hand-derived sequences")
    func handDerived() {
        // 8 alternating bits: one bit-packed group, header (1 << 1) | 1, bits 1,0,1,0,… = 0b01010101.
        #expect(encode([1, 0, 1, 0, 1, 0, 1, 0], bitWidth: 1) == [0x03, 0x55])
        // Spec example: 0…7 at width 3 → 88 C6 FA.
        #expect(encode([0, 1, 2, 3, 4, 5, 6, 7], bitWidth: 3) == [0x03, 0x88, 0xC6, 0xFA])
        // 100 zeros: RLE header 100 << 1 = 200 = ULEB C8 01, value in 1 byte.
        #expect(encode(Array(repeating: 0, count: 100), bitWidth: 1) == [0xC8, 0x01, 0x00])
        // 50 zeros then 50 ones (arrow-rs's example): two RLE runs, header 100 = 0x64.
        #expect(encode(Array(repeating: 0, count: 50) + Array(repeating: 1, count: 50), bitWidth: 1) == [0x64, 0x00, 0x64, 0x01])
        // Width 0: a single RLE run with no value bytes, header 5 << 1.
        #expect(encode([0, 0, 0, 0, 0], bitWidth: 0) == [0x0A])
        // Width 9: the repeated value takes 2 bytes, 300 = 0x012C.
        #expect(encode(Array(repeating: 300, count: 8), bitWidth: 9) == [0x10, 0x2C, 0x01])
        // Width 32: 4 value bytes.
        #expect(encode(Array(repeating: 0xDEAD_BEEF, count: 8), bitWidth: 32) == [0x10, 0xEF, 0xBE, 0xAD, 0xDE])
        // 7 equal values are below the run threshold: one padded group, 14 one-bits = FF 3F.
        #expect(encode(Array(repeating: 3, count: 7), bitWidth: 2) == [0x03, 0xFF, 0x3F])
        // [1,2,3] then thirteen 5s at width 3: the literal takes five 5s to fill its group of 8,
        // the other eight 5s form an RLE run. Literal bits (LSB first):
        //   1=100 2=010 3=110 5=101 ×5 → 10001011 01011011 01101101 → D1 DA B6.
        #expect(encode([1, 2, 3] + Array(repeating: 5, count: 13), bitWidth: 3) == [0x03, 0xD1, 0xDA, 0xB6, 0x10, 0x05])
        // A run of 12 that cannot align (only 4 left after padding the literal to 8) stays literal.
        #expect(encode([1, 2, 3] + Array(repeating: 5, count: 12), bitWidth: 3).first == 0x05)  // 2 groups: (2 << 1) | 1
    }

    @Test("long literals split at 63 groups")
    func literalSplit() {
        // 600 alternating bits: 63 groups (504 values, header 127 = 0x7F), then 12 groups (header 25).
        let bytes = encode((0..<600).map { UInt32($0 % 2 == 0 ? 1 : 0) }, bitWidth: 1)
        #expect(bytes == [0x7F] + Array(repeating: 0x55, count: 63) + [0x19] + Array(repeating: 0x55, count: 12))
    }

    @Test("every bit width: RLE run and bit-packed group", arguments: 0...32)
    func everyBitWidth(bitWidth w: Int) {
        let mask: UInt32 = w == 32 ? .max : (1 << UInt32(w)) &- 1
        // Eight repeats of the largest value: header 8 << 1 = 0x10, value in ceil(w/8) LE bytes.
        let repeated = encode(Array(repeating: mask, count: 8), bitWidth: w)
        let valueBytes = (0..<((w + 7) / 8)).map { UInt8(truncatingIfNeeded: mask >> UInt32(8 * $0)) }
        #expect(repeated == (w == 0 ? [0x10] : [0x10] + valueBytes))
        guard w > 0 else { return }
        // Distinct values in every tail length 1…16: bit-packed groups in spec bit order.
        for count in 1...16 {
            let values = (0..<count).map { UInt32(truncatingIfNeeded: ($0 &* 0x9E37_79B1) ^ ($0 << 3)) & mask | (w > 4 ? UInt32($0) : 0) & mask }
            let groups = (count + 7) / 8
            let encoded = encode(values, bitWidth: w)
            // Runs of ≥ 8 are impossible here only when values differ; width 1–3 may repeat, so
            // check just the all-literal shape when no 8 equal neighbours exist.
            if RunDetectionFree(values) {
                #expect(encoded == [UInt8(groups << 1 | 1)] + specPacked(values, bitWidth: w), "width \(w) count \(count)")
            }
        }
    }

    func RunDetectionFree(_ values: [UInt32]) -> Bool {
        var run = 1
        for i in values.indices.dropFirst() {
            run = values[i] == values[i - 1] ? run + 1 : 1
            if run >= 8 { return false }
        }
        return true
    }

    @Test("v1 levels carry a 4-byte length prefix")
    func levelPrefix() {
        var out = ByteWriter()
        var scratch: [UInt32] = []
        // Levels 1,1,1,0 at max level 1: one group (header 03), bits 1110 → 0x07; length 2.
        LevelEncoder.encode([1, 1, 1, 0][...], maxLevel: 1, lengthPrefixed: true, into: &out, scratch: &scratch)
        #expect(out.bytes == [0x02, 0x00, 0x00, 0x00, 0x03, 0x07])
        out.removeAll()
        LevelEncoder.encode([2, 2, 2, 2, 2, 2, 2, 2, 2][...], maxLevel: 2, lengthPrefixed: false, into: &out, scratch: &scratch)
        #expect(out.bytes == [0x12, 0x02])  // RLE: 9 << 1 = 18, value 2
    }
}
