import CSnappy
import CZlib
import CZstd
import LakeParquet

// Page codecs over the system libraries. Spec for what each codec's bytes are:
// https://github.com/apache/parquet-format/blob/master/Compression.md
//   SNAPPY: raw Snappy blocks (no framing)          — libsnappy `snappy_compress`, or, for a page
//           a probe finds incompressible, one literal element (format below)
//   GZIP:   a gzip stream (RFC 1952, header+trailer) — zlib `deflateInit2` with windowBits 15 + 16
//   ZSTD:   one zstd frame (RFC 8878)               — libzstd `ZSTD_compress`

/// The compressor for a codec; codecs lakeconv cannot write give a clear error.
public enum Compressors {
    /// `storeIncompressible`: pages a probe finds incompressible are stored in the codec's
    /// literal form (Snappy only; see `SnappyCompressor`).
    public static func compressor(for codec: CompressionCodec, level: Int? = nil, storeIncompressible: Bool = false) throws(ParquetError) -> any PageCompressor {
        switch codec {
        case .uncompressed: return UncompressedCompressor()
        case .snappy: return SnappyCompressor(storeIncompressible: storeIncompressible)
        case .gzip: return GzipCompressor(level: Int32(level ?? 6))
        case .zstd: return ZstdCompressor(level: Int32(level ?? 3))
        default:
            throw ParquetError(.compression, "\(codec.name) compression is not supported yet (use snappy, gzip, zstd or none)")
        }
    }
}

/// SNAPPY through libsnappy's C API.
///
/// With `storeIncompressible`, a page of at least `2 * probeLength` bytes is first probed: its
/// first `probeLength` bytes (one Snappy fragment: libsnappy compresses each 64 KiB on its own)
/// are compressed, and when that saves less than an eighth (RocksDB's `GoodCompressionRatio`
/// rule), the page is written as one Snappy literal instead of compressed. A literal is valid
/// raw Snappy that every decoder reads, costs a copy to write and to read, and is at most 10
/// bytes longer than the page. Hex identifiers (UUID text: 10% saved at 270 MB/s) and
/// bit-packed dictionary indices are the pages this skips; text (54% saved) is compressed.
///
/// Raw Snappy block grammar (https://github.com/google/snappy/blob/main/format_description.txt):
///
///     block    = varint32(uncompressed length) element*
///     literal  = tag(0b00 | (len-1) << 2)            bytes      ; len-1 < 60
///              | tag(0b00 | (59 + k) << 2) (len-1 as k bytes, little-endian) bytes  ; k = 1...4
public struct SnappyCompressor: PageCompressor {
    public var storeIncompressible: Bool
    /// The probe: one Snappy fragment.
    public static let probeLength = 1 << 16

    public init(storeIncompressible: Bool = false) { self.storeIncompressible = storeIncompressible }
    public var codec: CompressionCodec { .snappy }

    public func maxCompressedLength(_ count: Int) -> Int { snappy_max_compressed_length(count) }

    public func compress(_ input: UnsafeRawBufferPointer, to output: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int {
        // Raw Snappy of no bytes is the varint 0 alone (and snappy wants a non-null source).
        guard let source = input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count > 0 else {
            output[0] = 0
            return 1
        }
        if storeIncompressible && input.count >= 2 * Self.probeLength && input.count <= Int(UInt32.max) {
            // The probe's bytes land in `output` and are overwritten by the page's.
            let probe = try Self.snappy(source, Self.probeLength, output)
            if probe > Self.probeLength - Self.probeLength / 8 { return Self.literal(input, to: output) }
        }
        return try Self.snappy(source, input.count, output)
    }

    private static func snappy(_ source: UnsafePointer<CChar>, _ count: Int, _ output: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int {
        var length = output.count
        let status = snappy_compress(source, count, output.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
        guard status == SNAPPY_OK else {
            throw ParquetError(.compression, "snappy_compress failed with status \(status.rawValue)")
        }
        return length
    }

    /// `input` (1 ..< 2^32 bytes) as a raw Snappy block of one literal element; `output` has room
    /// for `input.count + 10` bytes (within `maxCompressedLength`).
    public static func literal(_ input: UnsafeRawBufferPointer, to output: UnsafeMutableRawBufferPointer) -> Int {
        var o = 0
        var length = UInt32(input.count)
        while length >= 0x80 {
            output[o] = UInt8(truncatingIfNeeded: length) | 0x80
            length >>= 7
            o += 1
        }
        output[o] = UInt8(length)
        o += 1
        let stored = UInt32(input.count - 1)
        if stored < 60 {
            output[o] = UInt8(stored) << 2
            o += 1
        } else {
            let extra = stored < 1 << 8 ? 1 : stored < 1 << 16 ? 2 : stored < 1 << 24 ? 3 : 4
            output[o] = UInt8(59 + extra) << 2
            for k in 0..<extra { output[o + 1 + k] = UInt8(truncatingIfNeeded: stored >> (8 * UInt32(k))) }
            o += 1 + extra
        }
        (output.baseAddress! + o).copyMemory(from: input.baseAddress!, byteCount: input.count)
        return o + input.count
    }
}

/// GZIP through zlib (a gzip member per page, as Parquet's GZIP codec specifies).
public struct GzipCompressor: PageCompressor {
    public var level: Int32
    public init(level: Int32 = 6) { self.level = level }
    public var codec: CompressionCodec { .gzip }

    /// zlib's bound for its own wrapper (6 bytes) plus the larger gzip wrapper (18 bytes).
    public func maxCompressedLength(_ count: Int) -> Int { Int(compressBound(uLong(count))) + 18 }

    public func compress(_ input: UnsafeRawBufferPointer, to output: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int {
        var stream = z_stream()
        // windowBits 15 + 16 asks zlib for the gzip wrapper.
        var status = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw ParquetError(.compression, "deflateInit2 failed (\(status))") }
        defer { deflateEnd(&stream) }
        guard output.count >= Int(deflateBound(&stream, uLong(input.count))) else {
            throw ParquetError(.compression, "gzip output buffer of \(output.count) bytes is below zlib's bound for \(input.count) bytes")
        }
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        stream.next_out = output.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(output.count)
        status = deflate(&stream, Z_FINISH)
        guard status == Z_STREAM_END else { throw ParquetError(.compression, "deflate failed (\(status))") }
        return Int(stream.total_out)
    }
}

/// ZSTD through libzstd (one frame per page).
public struct ZstdCompressor: PageCompressor {
    public var level: Int32
    public init(level: Int32 = 3) { self.level = level }
    public var codec: CompressionCodec { .zstd }

    public func maxCompressedLength(_ count: Int) -> Int { ZSTD_compressBound(count) }

    public func compress(_ input: UnsafeRawBufferPointer, to output: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int {
        let written = ZSTD_compress(output.baseAddress, output.count, input.baseAddress, input.count, level)
        guard ZSTD_isError(written) == 0 else {
            throw ParquetError(.compression, "ZSTD_compress failed: \(String(cString: ZSTD_getErrorName(written)))")
        }
        return written
    }
}

extension ParquetFileWriter {
    /// A writer whose compressor is the one `options.compression` names.
    public convenience init(schema: Schema, sink: Sink, options: WriterOptions = WriterOptions()) throws(ParquetError) {
        try self.init(schema: schema, sink: sink, options: options, compressor: Compressors.compressor(for: options.compression, storeIncompressible: options.storeIncompressiblePages))
    }
}
