/// Compresses page bodies with one codec. The format core only defines the seam; codecs live in
/// `LakeCompression` (libsnappy, zlib, libzstd).
public protocol PageCompressor: Sendable {
    var codec: CompressionCodec { get }
    /// The most bytes compressing `count` bytes can produce.
    func maxCompressedLength(_ count: Int) -> Int
    /// Compresses `input` into the start of `output`, which has room for
    /// `maxCompressedLength(input.count)` bytes; returns the bytes written.
    func compress(_ input: UnsafeRawBufferPointer, to output: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int
}

extension PageCompressor {
    /// Appends the compressed form of `input` to `output`.
    public func compress(_ input: UnsafeRawBufferPointer, into output: inout ByteWriter) throws(ParquetError) {
        try output.appendWithUnsafeCapacity(upTo: maxCompressedLength(input.count)) { (buffer: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int in
            try compress(input, to: buffer)
        }
    }
}

/// The UNCOMPRESSED codec: copies the bytes.
public struct UncompressedCompressor: PageCompressor {
    public init() {}
    public var codec: CompressionCodec { .uncompressed }
    public func maxCompressedLength(_ count: Int) -> Int { count }
    public func compress(_ input: UnsafeRawBufferPointer, to output: UnsafeMutableRawBufferPointer) throws(ParquetError) -> Int {
        if input.count > 0 { output.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: input.count) }
        return input.count
    }
}

/// Where a file's bytes go. The format core needs nothing more of files.
public protocol ByteSink {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws(ParquetError)
}

/// A sink that keeps the bytes in memory (tests, small outputs, object-store uploads).
public struct InMemoryByteSink: ByteSink, Sendable {
    public private(set) var bytes: [UInt8] = []
    public init() {}
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) {
        self.bytes.append(contentsOf: bytes)
    }
}
