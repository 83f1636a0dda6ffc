import CSnappy
import LakeCompression
import LakeParquet
import Testing

/// Snappy pages stored as one literal (`SnappyCompressor(storeIncompressible: true)`): the
/// bytes, derived by hand from the raw Snappy grammar, and what libsnappy reads back.
@Suite struct SnappyLiteralTests {
    private static func literal(_ input: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0xEE, count: input.count + 10)
        let n = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { SnappyCompressor.literal(source, to: $0) }
        }
        return Array(output[..<n])
    }

    private static func uncompress(_ block: [UInt8]) -> [UInt8]? {
        var length = 0
        let ok = block.withUnsafeBytes { raw in
            snappy_uncompressed_length(raw.baseAddress!.assumingMemoryBound(to: CChar.self), block.count, &length) == SNAPPY_OK
        }
        guard ok else { return nil }
        var output = [UInt8](repeating: 0, count: length)
        let status = block.withUnsafeBytes { raw in
            output.withUnsafeMutableBytes { out in
                snappy_uncompress(raw.baseAddress!.assumingMemoryBound(to: CChar.self), block.count, out.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            }
        }
        return status == SNAPPY_OK ? output : nil
    }

    @Test func literalHeadersByHand() {
        // 3 bytes: varint 3, tag (3-1)<<2.
        #expect(Self.literal(Array("abc".utf8)) == [0x03, 0x08] + Array("abc".utf8))
        // 60 bytes: the last one-byte tag, (60-1)<<2 = 0xEC.
        let sixty = [UInt8](repeating: 0x41, count: 60)
        #expect(Self.literal(sixty) == [0x3C, 0xEC] + sixty)
        // 61 bytes: tag 60<<2 = 0xF0, then 60 in one byte.
        let sixtyOne = [UInt8](repeating: 0x42, count: 61)
        #expect(Self.literal(sixtyOne) == [0x3D, 0xF0, 0x3C] + sixtyOne)
        // 300 bytes: varint 0xAC 0x02, tag 61<<2 = 0xF4, 299 = 0x012B little-endian.
        let threeHundred = [UInt8](repeating: 0x43, count: 300)
        #expect(Self.literal(threeHundred) == [0xAC, 0x02, 0xF4, 0x2B, 0x01] + threeHundred)
        // 70000 bytes: varint 0xF0 0xA2 0x04, tag 62<<2 = 0xF8, 69999 = 0x01116F.
        let big = [UInt8](repeating: 0x44, count: 70_000)
        #expect(Array(Self.literal(big).prefix(7)) == [0xF0, 0xA2, 0x04, 0xF8, 0x6F, 0x11, 0x01])
        // 2^24 + 1 bytes: the four-byte length, tag 63<<2 = 0xFC, 2^24 = 00 00 00 01.
        let huge = [UInt8](repeating: 0x45, count: (1 << 24) + 1)
        #expect(Array(Self.literal(huge).prefix(9)) == [0x81, 0x80, 0x80, 0x08, 0xFC, 0x00, 0x00, 0x00, 0x01])
    }

    @Test(arguments: [1, 59, 60, 61, 255, 256, 257, 65_535, 65_536, 65_537, 300_000, (1 << 24) + 3])
    func literalReadsBackWithLibsnappy(count: Int) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let input = (0..<count).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        #expect(Self.uncompress(Self.literal(input)) == input)
    }

    private static func compress(_ input: [UInt8], store: Bool) throws -> [UInt8] {
        let compressor = SnappyCompressor(storeIncompressible: store)
        var output = [UInt8](repeating: 0, count: compressor.maxCompressedLength(input.count))
        let n = try input.withUnsafeBytes { source in
            try output.withUnsafeMutableBytes { try compressor.compress(source, to: $0) }
        }
        return Array(output[..<n])
    }

    /// UUID text (Snappy saves ~10%) is stored as a literal; English-like text (~50%) and pages
    /// under two probes are compressed; all read back.
    @Test func probeDecides() throws {
        var state: UInt64 = 42
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let hexDigits = Array("0123456789abcdef".utf8)
        // A PLAIN page of UUID text: a 4-byte length, then 8-4-4-4-12 hex digits.
        var hex: [UInt8] = []
        while hex.count < 300_000 {
            hex += [36, 0, 0, 0]
            for group in [8, 4, 4, 4, 12] {
                if group != 8 { hex.append(UInt8(ascii: "-")) }
                for _ in 0..<group { hex.append(hexDigits[Int(next() % 16)]) }
            }
        }
        let words = ["partition", "payment", "user", "order", "error", "cart", "request", "pending"].map { Array($0.utf8) }
        var text: [UInt8] = []
        while text.count < 300_000 { text += words[Int(next() % 8)] + [0x20] }

        let hexStored = try Self.compress(hex, store: true)
        #expect(hexStored == Self.literal(hex))
        let hexCompressed = try Self.compress(hex, store: false)
        #expect(hexCompressed.count < hex.count - hex.count / 20)
        #expect(Self.uncompress(hexCompressed) == hex)

        let textStored = try Self.compress(text, store: true)
        #expect(textStored.count < text.count / 2)
        #expect(textStored == (try Self.compress(text, store: false)))
        #expect(Self.uncompress(textStored) == text)

        // Below two probe lengths the page is compressed whatever it holds.
        let shortHex = Array(hex.prefix(2 * SnappyCompressor.probeLength - 1))
        #expect((try Self.compress(shortHex, store: true)).count < shortHex.count - shortHex.count / 20)
    }
}
