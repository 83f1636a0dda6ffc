/// Compresses page bodies with one codec. The format core only defines the seam; codecs live in
/// `LakeCompression` (libsnappy, zlib, libzstd).
public protocol PageCompressor: Sendable {
    var codec: CompressionCodec { get }
    /// Appends the compressed form of `input` to `output`.
    func compress(_ input: UnsafeRawBufferPointer, into output: inout ByteWriter) throws(ParquetError)
}

/// The UNCOMPRESSED codec: copies the bytes.
public struct UncompressedCompressor: PageCompressor {
    public init() {}
    public var codec: CompressionCodec { .uncompressed }
    public func compress(_ input: UnsafeRawBufferPointer, into output: inout ByteWriter) throws(ParquetError) {
        output.append(input)
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
