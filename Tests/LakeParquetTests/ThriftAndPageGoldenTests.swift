@testable import LakeParquet
import Testing

/// Golden bytes for the Thrift compact protocol and a whole column chunk, derived by hand.
@Suite struct ThriftAndPageGoldenTests {
    @Test("compact protocol edge cases")
    func compactProtocol() {
        var w = ThriftCompactWriter()
        // Field id 20 after 0 is a delta over 15: long form, type byte then zigzag(20) = 40.
        _ = w.writeI32(5, id: 20, lastID: 0)
        #expect(w.bytes == [0x05, 0x28, 0x0A])

        w = ThriftCompactWriter()
        // Negative zigzag: −1 → 1, −64 → 127, −65 → 129 (81 01).
        var last = w.writeI64(-1, id: 1, lastID: 0)
        last = w.writeI32(-64, id: 2, lastID: last)
        _ = w.writeI32(-65, id: 3, lastID: last)
        #expect(w.bytes == [0x16, 0x01, 0x15, 0x7F, 0x15, 0x81, 0x01])

        w = ThriftCompactWriter()
        // Bools live in the type nibble: true id 1 → 0x11; false id 2 → 0x12.
        last = w.writeBool(true, id: 1, lastID: 0)
        _ = w.writeBool(false, id: 2, lastID: last)
        #expect(w.bytes == [0x11, 0x12])

        w = ThriftCompactWriter()
        // A list of 15 i32: long header F5, size 15, then fifteen zigzag zeros.
        _ = w.writeI32List(Array(repeating: 0, count: 15), id: 1, lastID: 0)
        #expect(w.bytes == [0x19, 0xF5, 0x0F] + Array(repeating: 0, count: 15))

        w = ThriftCompactWriter()
        // A nested struct restarts field ids: Statistics{null_count 3} at id 12 after id 9.
        last = w.writeI64(0, id: 9, lastID: 0)
        _ = w.writeStruct(StatisticsMetadata(nullCount: 3), id: 12, lastID: last)
        #expect(w.bytes == [0x96, 0x00, 0x3C, 0x36, 0x06, 0x00])
    }

    @Test("schema element and logical types")
    func schemaElement() {
        var w = ThriftCompactWriter()
        SchemaElement(name: "a", type: .int64, repetition: .optional).write(to: &w)
        // type 2 → 15 04; repetition 1 at id 3 (delta 2) → 25 02; name at id 4 → 18 01 'a'; stop.
        #expect(w.bytes == [0x15, 0x04, 0x25, 0x02, 0x18, 0x01, 0x61, 0x00])

        w = ThriftCompactWriter()
        // TIMESTAMP(MILLIS, UTC): union member 8 → struct header 8C; inside: isAdjustedToUTC true
        // (11), unit at id 2 → 1C, TimeUnit member 1 MILLIS → 1C 00, stops.
        LogicalType.timestamp(unit: .millis, isAdjustedToUTC: true).write(to: &w)
        #expect(w.bytes == [0x8C, 0x11, 0x1C, 0x1C, 0x00, 0x00, 0x00, 0x00])

        w = ThriftCompactWriter()
        // DECIMAL(10,2): member 5 → 5C; scale 2 (15 04), precision 10 (15 14), stops.
        LogicalType.decimal(precision: 10, scale: 2).write(to: &w)
        #expect(w.bytes == [0x5C, 0x15, 0x04, 0x15, 0x14, 0x00, 0x00])
    }

    @Test("a dictionary-encoded column chunk, byte for byte")
    func dictionaryChunk() throws {
        let schema = try Schema([Field("s", .string, nullable: false)])
        var column = ColumnBuffer(schema.columns[0])
        for s in ["a", "b", "a", "a"] {
            column.byteArrays.append(Array(s.utf8))
            column.appendLevels(repetition: 0, definition: 0)
        }
        var options = WriterOptions()
        options.compression = .uncompressed
        let chunk = try ColumnChunkEncoder(options: options, compressor: UncompressedCompressor()).encode(column)
        // Dictionary page: PLAIN "a", "b" = 01000000 61 01000000 62 (10 bytes). Header: type 2
        // (15 04), sizes 10 and 10 (15 14, 15 14), DictionaryPageHeader at id 7 (4C): 2 values
        // (15 04), PLAIN (15 00), is_sorted false (12), stops.
        let dictionaryPage: [UInt8] = [0x15, 0x04, 0x15, 0x14, 0x15, 0x14, 0x4C, 0x15, 0x04, 0x15, 0x00, 0x12, 0x00, 0x00]
            + [0x01, 0, 0, 0, 0x61, 0x01, 0, 0, 0, 0x62]
        // Data page body: index bit width 1, then indices 0,1,0,0 as one bit-packed group
        // (03, bits 0100 → 02); no levels (required, flat). Header: type 0 (15 00), sizes 3
        // (15 06, 15 06), DataPageHeader at id 5 (2C): 4 values (15 08), RLE_DICTIONARY 8
        // (15 10), level encodings RLE 3 (15 06, 15 06), stops.
        let dataPage: [UInt8] = [0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x2C, 0x15, 0x08, 0x15, 0x10, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00]
            + [0x01, 0x03, 0x02]
        #expect(chunk.bytes == dictionaryPage + dataPage)
        #expect(chunk.dictionaryPageLength == dictionaryPage.count)
        #expect(chunk.valueEncoding == .rleDictionary)
        #expect(chunk.encodings == [.plain, .rleDictionary])
    }
}
