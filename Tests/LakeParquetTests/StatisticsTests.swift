@testable import LakeParquet
import Testing

/// Column-chunk statistics follow the spec's ordering rules for every type.
@Suite struct StatisticsTests {
    func stats(_ type: DataType, _ rows: [Value], truncate: Int = 64) throws -> StatisticsMetadata {
        let schema = try Schema([Field("c", type)])
        var columns = schema.columns.map(ColumnBuffer.init)
        for row in rows { try RowShredder.append([row], fields: schema.fields, to: &columns) }
        return ChunkStatistics.compute(columns[0], truncateLength: truncate)
    }

    func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }

    @Test("NaN is never a bound; all-NaN has no bounds")
    func nan() throws {
        for rows: [Value] in [[.double(.nan), .double(1), .double(-2)], [.double(1), .double(.nan), .double(-2)], [.double(1), .double(-2), .double(.nan)]] {
            let s = try stats(.double, rows)
            #expect(s.minValue == le((-2.0).bitPattern) && s.maxValue == le((1.0).bitPattern))
        }
        let allNaN = try stats(.double, [.double(.nan), .null])
        #expect(allNaN.minValue == nil && allNaN.maxValue == nil && allNaN.nullCount == 1)
    }

    @Test("zero bounds: min is −0.0, max is +0.0")
    func signedZero() throws {
        let s = try stats(.float, [.float(0.0), .float(0.0)])
        #expect(s.minValue == le((-0.0 as Float).bitPattern))
        #expect(s.maxValue == le((0.0 as Float).bitPattern))
    }

    @Test("unsigned logical types compare unsigned")
    func unsigned() throws {
        let s = try stats(.uint32, [.int(1), .int(Int64(UInt32.max))])
        #expect(s.minValue == le(UInt32(1)) && s.maxValue == le(UInt32.max))
        let signed = try stats(.int32, [.int(1), .int(-1)])
        #expect(signed.minValue == le(Int32(-1)) && signed.maxValue == le(Int32(1)))
    }

    @Test("strings: unsigned byte order, truncation flagged inexact and kept valid UTF-8")
    func strings() throws {
        let s = try stats(.string, [.string("b"), .string("é"), .string("a")])
        #expect(s.minValue == Array("a".utf8) && s.maxValue == Array("é".utf8))  // 0xC3 > 'b'
        let long = String(repeating: "z", count: 10) + "é" + String(repeating: "a", count: 10)
        let t = try stats(.string, [.string(long)], truncate: 11)
        // min: cut at a character boundary (before é's second byte) → 10 z's.
        #expect(t.minValue == Array(String(repeating: "z", count: 10).utf8) && t.isMinValueExact == false)
        // max: the last bumpable ASCII byte in the prefix is the 10th z → "zzzzzzzzz{".
        #expect(t.maxValue == Array((String(repeating: "z", count: 9) + "{").utf8) && t.isMaxValueExact == false)
        #expect(String(validating: t.maxValue!, as: UTF8.self) != nil)
    }

    @Test("decimals in FIXED_LEN_BYTE_ARRAY compare signed")
    func decimalOrder() throws {
        let s = try stats(.decimal(precision: 30, scale: 0), [.int(5), .int(-7), .int(3)])
        let minusSeven = try #require(s.minValue)
        #expect(minusSeven.first == 0xFF && minusSeven.last == 0xF9)
        #expect(s.maxValue?.last == 5)
    }

    @Test("all-null chunk: null count only")
    func allNull() throws {
        let s = try stats(.int64, [.null, .null, .null])
        #expect(s.nullCount == 3 && s.minValue == nil && s.maxValue == nil)
    }

    @Test("byte order: unsigned lexicographic, shorter prefix first, at every length and first differing byte")
    func unsignedByteOrder() {
        // Pairs that share a prefix of every length 0-20 and differ (or end) after it, with
        // bytes on both sides of 0x80 so a signed or little-endian compare would misorder them.
        var values: [[UInt8]] = [[]]
        for length in 1...20 {
            for last: UInt8 in [0x00, 0x01, 0x7F, 0x80, 0xFF] {
                values.append((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 3) } + [last])
                values.append([UInt8](repeating: 0x41, count: length - 1) + [last])
            }
        }
        for a in values {
            for b in values {
                let got = a.withUnsafeBytes { x in b.withUnsafeBytes { y in ChunkStatistics.less(x, y, signed: false) } }
                #expect(got == a.lexicographicallyPrecedes(b), "\(a) < \(b)")
            }
        }
    }
}
