import CSnappy
import CZlib
import CZstd
import LakeParquet

// Page codecs over the system libraries. Spec for what each codec's bytes are:
// https://github.com/apache/parquet-format/blob/master/Compression.md
//   SNAPPY: raw Snappy blocks (no framing)          — libsnappy `snappy_compress`
//   GZIP:   a gzip stream (RFC 1952, header+trailer) — zlib `deflateInit2` with windowBits 15 + 16
//   ZSTD:   one zstd frame (RFC 8878)               — libzstd `ZSTD_compress`

/// The compressor for a codec; codecs lakeconv cannot write give a clear error.
public enum Compressors {
    public static func compressor(for codec: CompressionCodec, level: Int? = nil) throws(ParquetError) -> any PageCompressor {
        switch codec {
        case .uncompressed: return UncompressedCompressor()
        case .snappy: return SnappyCompressor()
        case .gzip: return GzipCompressor(level: Int32(level ?? 6))
        case .zstd: return ZstdCompressor(level: Int32(level ?? 3))
        default:
            throw ParquetError(.compression, "\(codec.name) compression is not supported yet (use snappy, gzip, zstd or none)")
        }
    }
}

/// SNAPPY through libsnappy's C API.
public struct SnappyCompressor: PageCompressor {
    public init() {}
    public var codec: CompressionCodec { .snappy }

    public func maxCompressedLength(_ count: Int) -> Int { snappy_max_compressed_length(count) }

    public func compress(_ input: UnsafeRawBufferPointer, to output: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int {
        // Raw Snappy of no bytes is the varint 0 alone (and snappy wants a non-null source).
        guard let source = input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count > 0 else {
            output[0] = 0
            return 1
        }
        var length = output.count
        let status = snappy_compress(source, input.count, output.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
        guard status == SNAPPY_OK else {
            throw ParquetError(.compression, "snappy_compress failed with status \(status.rawValue)")
        }
        return length
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
        try self.init(schema: schema, sink: sink, options: options, compressor: Compressors.compressor(for: options.compression))
    }
}
