@testable import LakeParquet
import Testing

/// The dictionary builder's byte kernels and its result on values of every short length.
@Suite struct DictionaryBuilderTests {
    @Test("byte equality: every length to 40, a difference at every position (and none)")
    func sameBytes() {
        for length in 0...40 {
            let a = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            a.withUnsafeBytes { pa in
                for position in 0..<length {
                    var b = a
                    b[position] ^= 0x80
                    b.withUnsafeBytes { pb in
                        #expect(!DictionaryBuilder.sameBytes(pa.baseAddress!, pb.baseAddress!, length), "length \(length), position \(position)")
                    }
                }
            }
            let copy = a
            a.withUnsafeBytes { pa in copy.withUnsafeBytes { pc in
                #expect(length == 0 || DictionaryBuilder.sameBytes(pa.baseAddress!, pc.baseAddress!, length))
            } }
        }
    }

    @Test("the tail word holds exactly the last 1-7 bytes, little-endian")
    func tailWord() {
        for count in 1...24 {
            let bytes = (0..<count).map { UInt8($0 + 1) }
            let rest = count % 8
            guard rest > 0 else { continue }
            var expected: UInt64 = 0
            for (k, byte) in bytes.suffix(rest).enumerated() { expected |= UInt64(byte) << UInt64(8 * k) }
            let word = bytes.withUnsafeBytes { DictionaryBuilder.tailWord($0.baseAddress!, count: count, rest: rest) }
            if count >= 4 {
                #expect(word == expected, "count \(count)")
            } else {
                // Below 4 bytes the word picks first, middle and last byte: distinct strings, distinct words.
                #expect(word != 0)
            }
        }
    }

    @Test("values of every length 0-40, repeated and differing in one byte: one entry each, first positions, right indices")
    func entries() {
        var values: [[UInt8]] = []
        for length in 0...40 {
            let base = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 7) }
            values.append(base)
            for position in stride(from: 0, to: length, by: 3) {
                var v = base
                v[position] &+= 1
                values.append(v)
            }
        }
        var buffer = ByteArrayBuffer()
        for round in 0..<3 { for v in (round == 1 ? values.reversed() : values) { buffer.append(v) } }
        guard let built = DictionaryBuilder.build(byteArrays: buffer, entryLimit: 1 << 16, byteLimit: 1 << 30, lengthPrefix: 4) else {
            Issue.record("no dictionary")
            return
        }
        #expect(built.entries == Array(0..<values.count))
        for i in 0..<buffer.count {
            #expect(Array(buffer[built.entries[Int(built.indices[i])]]) == Array(buffer[i]), "value \(i)")
        }
    }
}
