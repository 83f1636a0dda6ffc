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

    public func compress(_ input: UnsafeRawBufferPointer, into output: inout ByteWriter) throws(ParquetError) {
        let bound = snappy_max_compressed_length(input.count)
        // Raw Snappy of no bytes is the varint 0 alone (and snappy wants a non-null source).
        guard let source = input.baseAddress?.assumingMemoryBound(to: CChar.self), input.count > 0 else {
            output.append(0)
            return
        }
        try output.appendWithUnsafeCapacity(upTo: bound) { (buffer: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int in
            var length = bound
            let status = snappy_compress(
                source, input.count,
                buffer.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
            guard status == SNAPPY_OK else {
                throw ParquetError(.compression, "snappy_compress failed with status \(status.rawValue)")
            }
            return length
        }
    }
}

/// GZIP through zlib (a gzip member per page, as Parquet's GZIP codec specifies).
public struct GzipCompressor: PageCompressor {
    public var level: Int32
    public init(level: Int32 = 6) { self.level = level }
    public var codec: CompressionCodec { .gzip }

    public func compress(_ input: UnsafeRawBufferPointer, into output: inout ByteWriter) throws(ParquetError) {
        var stream = z_stream()
        // windowBits 15 + 16 asks zlib for the gzip wrapper.
        var status = deflateInit2_(
            &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw ParquetError(.compression, "deflateInit2 failed (\(status))") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        try output.appendWithUnsafeCapacity(upTo: bound) { (buffer: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(bound)
            status = deflate(&stream, Z_FINISH)
            guard status == Z_STREAM_END else { throw ParquetError(.compression, "deflate failed (\(status))") }
            return Int(stream.total_out)
        }
    }
}

/// ZSTD through libzstd (one frame per page).
public struct ZstdCompressor: PageCompressor {
    public var level: Int32
    public init(level: Int32 = 3) { self.level = level }
    public var codec: CompressionCodec { .zstd }

    public func compress(_ input: UnsafeRawBufferPointer, into output: inout ByteWriter) throws(ParquetError) {
        let bound = ZSTD_compressBound(input.count)
        try output.appendWithUnsafeCapacity(upTo: bound) { (buffer: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int in
            let written = ZSTD_compress(buffer.baseAddress, bound, input.baseAddress, input.count, level)
            guard ZSTD_isError(written) == 0 else {
                throw ParquetError(.compression, "ZSTD_compress failed: \(String(cString: ZSTD_getErrorName(written)))")
            }
            return written
        }
    }
}

extension ParquetFileWriter {
    /// A writer whose compressor is the one `options.compression` names.
    public convenience init(schema: Schema, sink: Sink, options: WriterOptions = WriterOptions()) throws(ParquetError) {
        try self.init(schema: schema, sink: sink, options: options, compressor: Compressors.compressor(for: options.compression))
    }
}
