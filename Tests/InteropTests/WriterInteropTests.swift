import Foundation
import LakeParquet
import LakeTestSupport
import Testing

/// Files written through the library are read back by pyarrow, DuckDB, polars and fastparquet
/// (Tests/Interop/check_parquet.py) with every value equal and the declared types as expected.
@Suite struct WriterInteropTests {
    /// Every leaf type with hostile values, three null patterns and required columns.
    static func primitives(rows: Int = 300) -> InteropCase {
        var rng = SplitMix64(seed: 42)
        let strings = ["", "a", "héllo", "中文テスト", "🚀 rocket", "quote\"back\\slash", "tab\tnew\nline", String(repeating: "x", count: 100)]
        let int64Edges: [Int64] = [.min, .max, 0, -1, 1, 1 << 53 + 1, -(1 << 53) - 1]
        let doubleEdges: [Double] = [-0.0, 0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.0 / 3.0]
        let fields: [Field] = [
            Field("b", .boolean), Field("i8", .int8), Field("i16", .int16), Field("i32", .int32), Field("i64", .int64),
            Field("u8", .uint8), Field("u16", .uint16), Field("u32", .uint32), Field("u64", .uint64),
            Field("f32", .float), Field("f64", .double), Field("s", .string), Field("bin", .binary), Field("js", .json),
            Field("id", .uuid), Field("day", .date), Field("ts_ms", .timestamp(.millis, isAdjustedToUTC: true)),
            Field("ts_us", .timestamp(.micros, isAdjustedToUTC: true)), Field("dec9", .decimal(precision: 9, scale: 2)),
            Field("dec18", .decimal(precision: 18, scale: 4)), Field("dec38", .decimal(precision: 38, scale: 10)),
            Field("fixed4", .fixedBinary(4)),
            Field("all_null", .int64), Field("none_null", .string), Field("alternating", .double),
            Field("req_i64", .int64, nullable: false), Field("req_s", .string, nullable: false),
        ]
        var table: [[Value]] = []
        for r in 0..<rows {
            func maybe(_ v: Value) -> Value { rng.next() % 7 == 0 ? .null : v }
            let u = rng.next()
            var uuid = (0..<16).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            uuid[6] = uuid[6] & 0x0F | 0x40
            let row: [Value] = [
                maybe(.bool(u & 1 == 1)),
                maybe(.int(r % 2 == 0 ? -128 : 127)),
                maybe(.int(Int64(Int16(truncatingIfNeeded: u)))),
                maybe(.int(Int64(Int32(truncatingIfNeeded: u)))),
                maybe(.int(r < int64Edges.count ? int64Edges[r] : Int64(bitPattern: u))),
                maybe(.int(Int64(UInt8(truncatingIfNeeded: u)))),
                maybe(.int(Int64(UInt16(truncatingIfNeeded: u)))),
                maybe(.int(r == 1 ? Int64(UInt32.max) : Int64(UInt32(truncatingIfNeeded: u)))),
                maybe(r == 1 ? .uint(.max) : .uint(u >> 1)),
                maybe(.float(r < doubleEdges.count ? Float(doubleEdges[r]) : Float(Int(u % 100000)) / 7)),
                maybe(.double(r < doubleEdges.count ? doubleEdges[r] : Double(Int64(bitPattern: u)) / 1e9)),
                maybe(.string(strings[r % strings.count])),
                maybe(.bytes((0..<Int(u % 9)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ r) })),
                maybe(.string("{\"k\":\(r),\"v\":[1,2]}")),
                maybe(.bytes(uuid)),
                maybe(.int(Int64(r) * 37 - 5000)),
                maybe(.int(1_616_284_800_123 + Int64(r) * 1_000_003)),
                maybe(.int(-1_000_000 + Int64(bitPattern: u) % 4_000_000_000_000_000)),
                maybe(.int(r % 2 == 0 ? 999_999_999 : -123_45)),
                maybe(.int(r % 3 == 0 ? 999_999_999_999_999_999 : -Int64(r) * 10_001)),
                maybe(.int(r % 2 == 0 ? Int64.max : Int64.min + 1)),
                maybe(.bytes([UInt8(r & 0xFF), 0, 0xFF, 7])),
                .null,
                .string("row \(r)"),
                r % 2 == 0 ? .null : .double(Double(r) + 0.5),
                .int(Int64(r) - 150),
                .string(strings[(r + 3) % strings.count]),
            ]
            table.append(row)
        }
        return InteropCase(
            name: "primitives", fields: fields, rows: table,
            parquetTypes: [
                "s": ("BYTE_ARRAY", "String"), "i8": ("INT32", "Int(bitWidth=8, isSigned=true)"),
                "u64": ("INT64", "Int(bitWidth=64, isSigned=false)"), "id": ("FIXED_LEN_BYTE_ARRAY", "UUID"),
                "day": ("INT32", "Date"), "js": ("BYTE_ARRAY", "JSON"),
                "ts_ms": ("INT64", "Timestamp(isAdjustedToUTC=true, timeUnit=milliseconds, is_from_converted_type=false, force_set_converted_type=false)"),
                "ts_us": ("INT64", "Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, is_from_converted_type=false, force_set_converted_type=false)"),
                "dec9": ("INT32", "Decimal(precision=9, scale=2)"), "dec38": ("FIXED_LEN_BYTE_ARRAY", "Decimal(precision=38, scale=10)"),
            ])
    }

    /// Structs, lists, maps, nested to depth 4, with empty lists, null lists and lists of nulls.
    static func nested(rows: Int = 200) -> InteropCase {
        var rng = SplitMix64(seed: 7)
        let screen = DataType.struct([Field("w", .int32), Field("h", .int32)])
        let device = DataType.struct([Field("os", .string), Field("screen", screen)])
        let deep = DataType.struct([
            Field("events", .list(of: .struct([Field("name", .string), Field("attrs", .map(.string, .list(of: .int64)))]))),
        ])
        let fields: [Field] = [
            Field("device", device),
            Field("tags", .list(of: .string)),
            Field("matrix", .list(of: .list(of: .int32))),
            Field("props", .map(.string, .double)),
            Field("deep", deep),
            Field("req_list", .list(of: .int64, elementsNullable: false), nullable: false),
        ]
        var table: [[Value]] = []
        for r in 0..<rows {
            let u = rng.next()
            let pick = Int(u % 5)
            let deviceValue: Value = pick == 0 ? .null : .record([
                pick == 1 ? .null : .string(["ios", "android", "Windows"][r % 3]),
                pick == 2 ? .null : .record([.int(Int64(r * 10)), r % 4 == 0 ? .null : .int(1080)]),
            ])
            let tags: Value = switch r % 5 {
            case 0: .null
            case 1: .list([])
            case 2: .list([.null, .null])
            default: .list((0..<(r % 4 + 1)).map { .string("tag\($0 + r)") })
            }
            let matrix: Value = switch r % 6 {
            case 0: .null
            case 1: .list([])
            case 2: .list([.list([]), .null, .list([.int(1)])])
            default: .list((0..<(r % 3 + 1)).map { i in .list((0..<(i + 1)).map { j in j == 1 ? .null : .int(Int64(r * 100 + i * 10 + j)) }) })
            }
            let props: Value = r % 4 == 0 ? .null : .map((0..<(r % 3)).map { MapEntry(.string("k\($0)"), $0 == 1 ? .null : .double(Double(r) / 4)) })
            let deepValue: Value = r % 7 == 0 ? .null : .record([
                r % 5 == 1 ? .list([]) : .list((0..<(r % 3 + 1)).map { e in
                    .record([
                        .string("e\(e)"),
                        e == 2 ? .null : .map([MapEntry(.string("a"), .list([.int(Int64(r)), .null])), MapEntry(.string("b"), .list([]))]),
                    ])
                }),
            ])
            let required: Value = .list((0..<(r % 3)).map { .int(Int64($0) - 1) })
            table.append([deviceValue, tags, matrix, props, deepValue, required])
        }
        return InteropCase(
            name: "nested", fields: fields, rows: table,
            skipReaders: ["fastparquet": "fastparquet 2026.9 reads a null struct as a struct of nulls and returns None for lists of lists and lists of structs (see nested_simple for what it reads)"])
    }

    /// The nesting fastparquet can reconstruct: top-level lists and maps of leaves, non-null structs.
    static func nestedSimple(rows: Int = 100) -> InteropCase {
        let fields: [Field] = [
            Field("tags", .list(of: .string)),
            Field("props", .map(.string, .double)),
            Field("point", .struct([Field("x", .int64), Field("label", .string)]), nullable: false),
        ]
        var table: [[Value]] = []
        for r in 0..<rows {
            let tags: Value
            switch r % 5 {
            case 0: tags = .null
            case 1: tags = .list([])
            default: tags = .list((0..<(r % 3 + 1)).map { i -> Value in i == 1 ? .null : .string("t\(i)é") })
            }
            let entries: [MapEntry] = (0..<(r % 3)).map { i in MapEntry(.string("k\(i)"), .double(Double(r) * 1.5)) }
            let props: Value = r % 4 == 0 ? .null : .map(entries)
            let x: Value = r % 3 == 0 ? .null : .int(Int64(r) << 40)
            table.append([tags, props, .record([x, .string("p\(r)")])])
        }
        return InteropCase(name: "nested_simple", fields: fields, rows: table)
    }

    /// Many row groups and many pages (small limits), dictionary fallback, delta-friendly sequences.
    static func layout(name: String, version: DataPageVersion, codec: CompressionCodec, rows: Int = 20_000) -> InteropCase {
        var rng = SplitMix64(seed: 99)
        let fields: [Field] = [
            Field("seq", .int64, nullable: false), Field("ts", .timestamp(.micros, isAdjustedToUTC: true)),
            Field("small", .int32), Field("category", .string), Field("unique", .string), Field("flag", .boolean),
            Field("list", .list(of: .int32)),
        ]
        var table: [[Value]] = []
        for r in 0..<rows {
            let u = rng.next()
            table.append([
                .int(Int64(r)),
                u % 10 == 0 ? .null : .int(1_614_556_800_000_000 + Int64(r) * 1_000_017 + Int64(u % 1000)),
                .int(Int64(u % 16)),
                .string(["web", "ios", "android", "api"][Int(u % 4)]),
                .string("unique-\(u)"),
                .bool(r % 3 == 0),
                r % 11 == 0 ? .null : .list((0..<Int(u % 4)).map { .int(Int32($0) == 2 ? 0 : Int64($0 + r)) }),
            ])
        }
        var options = WriterOptions()
        options.dataPageVersion = version
        options.compression = codec
        options.dataPageSize = 4096
        options.rowGroupSize = 256 * 1024
        options.dictionaryPageSizeLimit = 16 * 1024
        return InteropCase(name: name, fields: fields, rows: table, options: options)
    }

    /// The legacy INT96 timestamp layout (Hive, Impala, old Spark).
    static func int96() -> InteropCase {
        let nanos: [Int64] = [0, 1, -1, 1_616_284_800_123_456_789, -86_400_000_000_001, 9_223_372_036_000_000_000]
        return InteropCase(
            name: "int96", fields: [Field("ts", .int96Timestamp)],
            rows: nanos.map { [.int($0)] } + [[.null]])
    }

    static let fastparquetV2 = "fastparquet 2026.9 cannot decode DELTA_BINARY_PACKED values in v2 pages that hold nulls ('null delta-int not implemented')"

    @Test("every supported type, codec, page version and nesting reads back equal in four readers")
    func writtenFilesReadBackEqual() throws {
        let folder = try Interop.temporaryFolder("interop")
        defer { try? FileManager.default.removeItem(at: folder) }
        var cases = [Self.primitives(), Self.nested(), Self.int96()]
        for codec in [CompressionCodec.snappy, .gzip, .zstd, .uncompressed] {
            cases.append(Self.layout(name: "layout_v1_\(codec.name.lowercased())", version: .v1, codec: codec))
        }
        var v2 = Self.layout(name: "layout_v2_snappy", version: .v2, codec: .snappy)
        v2.skipReaders["fastparquet"] = Self.fastparquetV2
        cases.append(v2)
        cases.append(Self.nestedSimple())
        var nestedV2 = Self.nested()
        nestedV2.name = "nested_v2_zstd"
        nestedV2.options.dataPageVersion = .v2
        nestedV2.options.compression = .zstd
        nestedV2.skipReaders["fastparquet"] = Self.fastparquetV2
        cases.append(nestedV2)
        for c in cases { try Interop.write(c, into: folder) }
        let (status, output) = try Interop.check(folder)
        print(output)
        #expect(status == 0, "checker failed:\n\(output)")
    }
}
