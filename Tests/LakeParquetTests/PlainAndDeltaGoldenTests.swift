@testable import LakeParquet
import Testing

/// Golden bytes for PLAIN and DELTA_BINARY_PACKED, derived by hand from the spec.
@Suite struct PlainAndDeltaGoldenTests {
    @Test("PLAIN per physical type")
    func plain() {
        var out = ByteWriter()
        // Booleans LSB first: t f t t f f f f | t → 0b00001101, 0b00000001.
        PlainEncoder.encode([true, false, true, true, false, false, false, false, true][...], into: &out)
        #expect(out.bytes == [0x0D, 0x01])
        out.removeAll()
        PlainEncoder.encode(fixedWidth: [Int32(1), -1][...], into: &out)
        #expect(out.bytes == [0x01, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])
        out.removeAll()
        PlainEncoder.encode(fixedWidth: [Int64.min][...], into: &out)
        #expect(out.bytes == [0, 0, 0, 0, 0, 0, 0, 0x80])
        out.removeAll()
        PlainEncoder.encode(fixedWidth: [Float(1.0)][...], into: &out)  // 0x3F800000
        #expect(out.bytes == [0, 0, 0x80, 0x3F])
        out.removeAll()
        PlainEncoder.encode(fixedWidth: [-0.0 as Double][...], into: &out)  // sign bit only
        #expect(out.bytes == [0, 0, 0, 0, 0, 0, 0, 0x80])
        out.removeAll()
        var strings = ByteArrayBuffer()
        strings.append(Array("a".utf8))
        strings.append([UInt8]())
        PlainEncoder.encode(byteArrays: strings, range: 0..<2, into: &out)
        #expect(out.bytes == [1, 0, 0, 0, 0x61, 0, 0, 0, 0])
    }

    /// Byte arrays of every length 0-40 in random order (short ones copied as 16-byte vectors,
    /// the last ones near the end of the arena, where a vector would read past it), each range
    /// appended after bytes already in the writer: a length prefix and the bytes, nothing else.
    @Test("PLAIN byte arrays: lengths 0-40, any range, after existing bytes")
    func plainByteArrays() {
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var strings = ByteArrayBuffer()
        var values: [[UInt8]] = []
        for _ in 0..<300 {
            let value = (0..<next(41)).map { _ in UInt8(next(256)) }
            values.append(value)
            strings.append(value)
        }
        for range in [0..<300, 0..<0, 5..<6, 17..<250, 290..<300, 299..<300] {
            var out = ByteWriter()
            out.append(0xAB)
            PlainEncoder.encode(byteArrays: strings, range: range, into: &out)
            var expected: [UInt8] = [0xAB]
            for value in values[range] { expected += [UInt8(value.count), 0, 0, 0] + value }
            #expect(out.bytes == expected, "range \(range)")
        }
    }

    @Test("INT96 timestamps: nanos of day, then Julian day")
    func int96() {
        var out = ByteWriter()
        // The epoch is Julian day 2,440,588 = 0x253D8C.
        PlainEncoder.encode([Int96(nanosecondsSinceEpoch: 0)][...], into: &out)
        #expect(out.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0x8C, 0x3D, 0x25, 0x00])
        out.removeAll()
        // One nanosecond before: the day before, 86,399,999,999,999 ns = 0x4E94914EFFFF.
        PlainEncoder.encode([Int96(nanosecondsSinceEpoch: -1)][...], into: &out)
        #expect(out.bytes == [0xFF, 0xFF, 0x4E, 0x91, 0x94, 0x4E, 0, 0, 0x8B, 0x3D, 0x25, 0x00])
    }

    @Test("DELTA_BINARY_PACKED, the spec's examples")
    func delta() {
        var out = ByteWriter()
        // 1,2,3,4,5: header 128 (80 01), 4 miniblocks, 5 values, first 1 (zigzag 2); block: min
        // delta 1 (zigzag 2), every delta − min = 0 so all four widths are 0 and no bodies follow.
        DeltaBinaryPackedEncoder.encode([Int64(1), 2, 3, 4, 5][...], into: &out)
        #expect(out.bytes == [0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0])
        out.removeAll()
        // 7,5,3,1,2,3,4,5: deltas −2,−2,−2,1,1,1,1; min −2 (zigzag 3); adjusted 0,0,0,3,3,3,3
        // need 2 bits: miniblock 0 is 32 values × 2 bits = 8 bytes, bits 6–13 set → C0 3F 00….
        DeltaBinaryPackedEncoder.encode([Int64(7), 5, 3, 1, 2, 3, 4, 5][...], into: &out)
        #expect(out.bytes == [0x80, 0x01, 0x04, 0x08, 0x0E, 0x03, 0x02, 0, 0, 0, 0xC0, 0x3F, 0, 0, 0, 0, 0, 0])
        out.removeAll()
        // INT32 deltas wrap in 32 bits: max → min is +1. First value zigzag 2^32 − 2 = FE FF FF FF 0F.
        DeltaBinaryPackedEncoder.encode([Int32.max, Int32.min][...], into: &out)
        #expect(out.bytes == [0x80, 0x01, 0x04, 0x02, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F, 0x02, 0, 0, 0, 0])
    }

    /// A reference decoder written from the grammar, for round trips over many shapes.
    func decodeDelta(_ bytes: [UInt8], signBits: Int) -> [Int64] {
        var i = 0
        func uleb() -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                let b = bytes[i]
                i += 1
                result |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return result }
                shift += 7
            }
        }
        func zigzag() -> Int64 {
            let u = uleb()
            return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
        }
        let blockSize = Int(uleb())
        let miniblocks = Int(uleb())
        let count = Int(uleb())
        var value = zigzag()
        var values = count > 0 ? [value] : []
        let perMini = blockSize / miniblocks
        let mask: UInt64 = signBits == 64 ? .max : (1 << UInt64(signBits)) - 1
        while values.count < count {
            let minDelta = UInt64(bitPattern: zigzag())
            let widths = (0..<miniblocks).map { m in Int(bytes[i + m]) }
            i += miniblocks
            for w in widths where values.count < count {
                let body = Array(bytes[i..<(i + perMini * w / 8)])
                i += perMini * w / 8
                for j in 0..<perMini where values.count < count {
                    var d: UInt64 = 0
                    for k in 0..<w where body[(j * w + k) / 8] >> UInt8((j * w + k) % 8) & 1 == 1 { d |= 1 << UInt64(k) }
                    let next = (UInt64(bitPattern: value) &+ d &+ minDelta) & mask
                    value = signBits == 64 ? Int64(bitPattern: next) : Int64(Int32(truncatingIfNeeded: next))
                    values.append(value)
                }
            }
        }
        return values
    }

    @Test("DELTA_BINARY_PACKED round-trips every length around block edges", arguments: [0, 1, 2, 31, 32, 33, 127, 128, 129, 300, 1000])
    func deltaRoundTrip(count: Int) {
        var state: UInt64 = 12345
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
        let wide = (0..<count).map { _ in Int64(bitPattern: next()) }
        var out = ByteWriter()
        DeltaBinaryPackedEncoder.encode(wide[...], into: &out)
        #expect(decodeDelta(out.bytes, signBits: 64) == wide)
        let narrow = (0..<count).map { i in Int32(truncatingIfNeeded: i * 1000 + Int(next() % 50)) }
        out.removeAll()
        DeltaBinaryPackedEncoder.encode(narrow[...], into: &out)
        #expect(decodeDelta(out.bytes, signBits: 32) == narrow.map(Int64.init))
        let extremes: [Int32] = (0..<count).map { $0 % 2 == 0 ? .max : .min }
        out.removeAll()
        DeltaBinaryPackedEncoder.encode(extremes[...], into: &out)
        #expect(decodeDelta(out.bytes, signBits: 32) == extremes.map(Int64.init))
    }
}
