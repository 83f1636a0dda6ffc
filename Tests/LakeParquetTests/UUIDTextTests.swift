@testable import LakeParquet
import Testing

/// UUID text ↔ 16 bytes, golden values derived by hand from RFC 9562's layout.
@Suite struct UUIDTextTests {
    static let text = "123e4567-e89b-12d3-a456-426614174000"
    /// The hex digits of `text`, two per byte, in order.
    static let bytes: [UInt8] = [0x12, 0x3E, 0x45, 0x67, 0xE8, 0x9B, 0x12, 0xD3, 0xA4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00]

    @Test("canonical text parses to its bytes, in either case, and prints back in lower case")
    func golden() {
        #expect(UUIDText.parse(Self.text) == Self.bytes)
        #expect(UUIDText.parse(Self.text.uppercased()) == Self.bytes)
        #expect(UUIDText.text(Self.bytes) == Self.text)
        #expect(UUIDText.parse("00000000-0000-0000-0000-000000000000") == [UInt8](repeating: 0, count: 16))
        #expect(UUIDText.parse("ffffffff-FFFF-ffff-FFFF-ffffffffffff") == [UInt8](repeating: 0xFF, count: 16))
    }

    @Test("every byte at every position: hex digits only where digits go, '-' only at 8, 13, 18, 23")
    func everyByteEverywhere() {
        let base = Array(Self.text.utf8)
        let hex = Set("0123456789abcdefABCDEF".utf8)
        for position in 0..<36 {
            let isHyphen = [8, 13, 18, 23].contains(position)
            for value in 0...255 {
                var mutated = base
                mutated[position] = UInt8(value)
                let accepted = mutated.withUnsafeBytes { UUIDText.isUUID($0) }
                let expected = isHyphen ? value == 0x2D : hex.contains(UInt8(value))
                #expect(accepted == expected, "byte \(value) at \(position)")
            }
        }
    }

    @Test("wrong lengths and hyphen layouts are refused")
    func shapes() {
        for text in [
            "", "123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400", "123e4567-e89b-12d3-a456-4266141740000",
            "{123e4567-e89b-12d3-a456-426614174000}", "123e456-7e89b-12d3-a456-426614174000", " 123e4567-e89b-12d3-a456-42661417400",
        ] {
            #expect(UUIDText.parse(text) == nil, "\(text)")
        }
    }

    @Test("UUID statistics compare bytes unsigned")
    func statistics() throws {
        let schema = try Schema([Field("u", .uuid)])
        var columns = schema.columns.map(ColumnBuffer.init)
        for text in ["7fffffff-ffff-ffff-ffff-ffffffffffff", "80000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000001"] {
            try RowShredder.append([.string(text)], fields: schema.fields, to: &columns)
        }
        let s = ChunkStatistics.compute(columns[0], truncateLength: 64)
        #expect(s.minValue == UUIDText.parse("00000000-0000-0000-0000-000000000001"))
        #expect(s.maxValue == UUIDText.parse("80000000-0000-0000-0000-000000000000"))
    }
}
