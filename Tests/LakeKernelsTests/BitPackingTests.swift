import LakeKernels
import LakeTestSupport
import Testing

/// Fast kernels agree with their scalar references on every bit width and every tail length.
@Suite struct BitPackingTests {
    @Test("spec example: 0...7 at bit width 3 packs to 88 C6 FA")
    func specExample() {
        let values: [UInt32] = [0, 1, 2, 3, 4, 5, 6, 7]
        var out = [UInt8](repeating: 0xEE, count: 3)
        let n = values.withUnsafeBufferPointer { BitPacking.pack($0, bitWidth: 3, into: &out) }
        #expect(n == 3)
        #expect(out == [0x88, 0xC6, 0xFA])
    }

    @Test("pack32 == reference", arguments: 0...32)
    func pack32MatchesReference(bitWidth: Int) {
        var rng = SplitMix64(seed: UInt64(bitWidth))
        let mask: UInt64 = bitWidth == 0 ? 0 : (1 << UInt64(bitWidth)) - 1
        for count in [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000] {
            let values = (0..<count).map { _ in UInt32(truncatingIfNeeded: rng.next() & mask) }
            var out = [UInt8](repeating: 0xEE, count: BitPacking.bytesNeeded(count: count, bitWidth: bitWidth) + 4)
            let written = values.withUnsafeBufferPointer { BitPacking.pack($0, bitWidth: bitWidth, into: &out) }
            let expected = BitPacking.packReference(values.map(UInt64.init), bitWidth: bitWidth)
            #expect(written == expected.count, "count \(count)")
            #expect(Array(out[0..<written]) == expected, "count \(count)")
            #expect(out[written...].allSatisfy { $0 == 0xEE }, "wrote past its length, count \(count)")
        }
    }

    @Test("pack64 == reference", arguments: 0...64)
    func pack64MatchesReference(bitWidth: Int) {
        var rng = SplitMix64(seed: 1000 + UInt64(bitWidth))
        let mask: UInt64 = bitWidth == 64 ? .max : (1 << UInt64(bitWidth)) - 1
        for count in [0, 1, 7, 8, 9, 31, 32, 33, 100] {
            let values = (0..<count).map { _ in rng.next() & mask }
            var out = [UInt8](repeating: 0xEE, count: BitPacking.bytesNeeded(count: count, bitWidth: bitWidth) + 8)
            let written = values.withUnsafeBufferPointer { BitPacking.pack64($0, bitWidth: bitWidth, into: &out) }
            let expected = BitPacking.packReference(values, bitWidth: bitWidth)
            #expect(Array(out[0..<written]) == expected, "count \(count)")
            #expect(BitPacking.unpackReference(expected, count: count, bitWidth: bitWidth) == values)
        }
    }

    @Test("runLength == reference on every tail length and run position")
    func runLengthMatchesReference() {
        for count in 0..<40 {
            for runEnd in 0...count {
                // A run of 5s up to runEnd, then different values.
                let values = (0..<count).map { $0 < runEnd ? UInt32(5) : UInt32($0 + 100) }
                for start in 0..<max(count, 1) where start < count {
                    let fast = values.withUnsafeBufferPointer { RunDetection.runLength($0, from: start) }
                    #expect(fast == RunDetection.runLengthReference(values, from: start), "count \(count) runEnd \(runEnd) start \(start)")
                }
            }
        }
    }

    @Test("minMax == reference on every tail length")
    func minMaxMatchesReference() {
        var rng = SplitMix64(seed: 7)
        for count in 0..<70 {
            let ints = (0..<count).map { _ in Int64(bitPattern: rng.next()) }
            let fast = ints.withUnsafeBufferPointer { MinMax.minMax($0) }
            let reference = MinMax.minMaxReference(ints)
            #expect(fast?.min == reference?.min && fast?.max == reference?.max, "count \(count)")
            let unsigned = ints.map { UInt32(truncatingIfNeeded: $0) }
            let fastU = unsigned.withUnsafeBufferPointer { MinMax.minMax($0) }
            let referenceU = MinMax.minMaxReference(unsigned)
            #expect(fastU?.min == referenceU?.min && fastU?.max == referenceU?.max, "count \(count)")
        }
    }

    @Test("float minMax ignores NaN and orders signed zeros")
    func floatMinMax() {
        let values: [Double] = [.nan, 0.0, -0.0, 3.5, .nan, -2.0]
        let result = values.withUnsafeBufferPointer { MinMax.minMax($0) }
        #expect(result?.min == -2.0)
        #expect(result?.max == 3.5)
        let zeros: [Double] = [0.0, -0.0]
        let z = zeros.withUnsafeBufferPointer { MinMax.minMax($0) }
        #expect(z?.min.sign == .minus && z?.max.sign == .plus)
        let nans: [Float] = [.nan, .nan]
        #expect(nans.withUnsafeBufferPointer { MinMax.minMax($0) } == nil)
    }
}
