#if canImport(Glibc)
import Glibc
#endif
import Dispatch
// File layout. Spec: https://parquet.apache.org/docs/file-format/
//
//   file     := "PAR1" <column chunk>+ per row group ... <FileMetaData> <4-byte LE footer length> "PAR1"
//   chunk    := [dictionary page] data page+
//   page     := <PageHeader (Thrift compact)> <page body>
//
// Workflow:
//   1. `init` writes the leading magic.
//   2. `write(row:)` / `write(_:)` buffer rows; a row group is encoded and written whenever the
//      buffered size reaches `rowGroupSize` or the row limit (at most one row group in memory).
//   3. `close()` flushes the last row group and writes the footer.
// Column chunks of a row group are encoded on `encodingThreads` threads; they are appended to the
// file in schema order by the owner.
// After a thrown error the writer refuses further use: the sink holds a partial file, which the
// caller must discard (the dataset layer writes to a temporary name for that reason).

/// Writes one Parquet file to a `ByteSink`, holding at most one row group in memory.
public final class ParquetFileWriter<Sink: ByteSink> {
    public let schema: Schema
    public let options: WriterOptions
    public private(set) var sink: Sink
    private let chunkEncoder: ColumnChunkEncoder
    /// The buffered rows: `buffers`, then the batches in `laterBatches`, which are joined to
    /// them once, at exact size, when the row group is written (appending each batch to
    /// `buffers` as it came copied the rows again at every doubling of their arrays).
    private var buffers: [ColumnBuffer]
    private var laterBatches: [ColumnBatch] = []
    private var bufferedRows = 0
    private var bufferedBytes = 0
    private var offset: Int64 = 0
    private var rowGroups: [RowGroup] = []
    private var totalRows: Int64 = 0
    private var isOpen = true
    private static var magic: [UInt8] { Array("PAR1".utf8) }

    public init(
        schema: Schema, sink: Sink, options: WriterOptions = WriterOptions(), compressor: any PageCompressor
    ) throws(ParquetError) {
        guard compressor.codec == options.compression else {
            throw ParquetError(
                .invalidSchema, "compressor is \(compressor.codec.name) but options ask for \(options.compression.name)")
        }
        self.schema = schema
        self.options = options
        self.sink = sink
        self.chunkEncoder = ColumnChunkEncoder(options: options, compressor: compressor, columns: schema.columns.count)
        self.buffers = schema.columns.map(ColumnBuffer.init)
        try emit(Self.magic)
    }

    /// Rows written so far, flushed or buffered.
    public var rowCount: Int64 { totalRows + Int64(bufferedRows) }

    /// Estimated bytes of the rows buffered for the next row group.
    public var bufferedByteCount: Int { bufferedBytes }

    /// Bytes handed to the sink so far.
    public var bytesWritten: Int64 { offset }

    /// Appends one row (values in field order).
    public func write(row: [Value]) throws(ParquetError) {
        try checkOpen()
        joinLaterBatches()
        try RowShredder.append(row, fields: schema.fields, to: &buffers)
        bufferedRows += 1
        if bufferedRows % 1024 == 0 { bufferedBytes = buffers.reduce(0) { $0 + $1.estimatedByteSize } }
        try flushIfFull()
    }

    /// Appends a batch of columns (one buffer per leaf, in schema order).
    public func write(_ batch: ColumnBatch) throws(ParquetError) {
        try checkOpen()
        guard batch.columns.count == buffers.count else {
            throw ParquetError(.invalidBatch, "batch has \(batch.columns.count) columns, schema has \(buffers.count)")
        }
        let rows = batch.rowCount
        for column in batch.columns {
            try column.validate()
            guard column.rowCount == rows else {
                throw ParquetError(
                    .invalidBatch, "\(column.rowCount) rows in a batch of \(rows)",
                    columnPath: column.descriptor.dottedPath)
            }
        }
        // A batch well over the row-group size (a small --row-group-size) is cut into row
        // groups of about that size, in row order.
        if rows > 1 && batch.estimatedByteSize > 2 * max(options.rowGroupSize, 1) {
            for piece in batch.split(intoPiecesOf: max(options.rowGroupSize, 1)) { try write(piece) }
            return
        }
        for (i, column) in batch.columns.enumerated() {
            guard column.descriptor == buffers[i].descriptor else {
                throw ParquetError(.invalidBatch, "column \(i) does not match the schema", columnPath: column.descriptor.dottedPath)
            }
        }
        if bufferedRows == 0 {
            buffers = batch.columns
        } else {
            laterBatches.append(batch)
        }
        bufferedRows += rows
        bufferedBytes += batch.estimatedByteSize
        try flushIfFull()
    }

    /// Encodes and writes the buffered rows as a row group now.
    public func flushRowGroup() throws(ParquetError) {
        try checkOpen()
        guard bufferedRows > 0 else { return }
        joinLaterBatches()
        let rows = bufferedRows
        var chunks: [EncodedColumnChunk]
        do {
            chunks = try Self.encode(buffers, with: chunkEncoder, threads: options.encodingThreads)
        } catch {
            isOpen = false
            throw error
        }
        // Release the capacity too: a dataset keeps many writers open, and each would otherwise
        // hold a row group's worth of empty buffers (measured: 30 open date partitions, +200 MB).
        for i in buffers.indices { buffers[i].removeAll(keepingCapacity: false) }
        bufferedRows = 0
        bufferedBytes = 0
        try append(rowGroup: chunks, rows: rows)
        // The chunks are in the file: their arrays go back for the next row group's chunks.
        for i in chunks.indices {
            let bytes = chunks[i].bytes
            chunks[i].bytes = []
            ChunkBytesPool.give(bytes)
        }
    }

    /// Joins `laterBatches` to `buffers`, each column's arrays reserved at their final size.
    private func joinLaterBatches() {
        guard !laterBatches.isEmpty else { return }
        for i in buffers.indices {
            buffers[i].append(contentsOf: laterBatches.map { $0.columns[i] })
        }
        laterBatches.removeAll()
    }

    /// Encodes every column, largest first across `threads` workers; results in schema order.
    static func encode(_ buffers: [ColumnBuffer], with encoder: ColumnChunkEncoder, threads: Int) throws(ParquetError) -> [EncodedColumnChunk] {
        guard threads > 1 && buffers.count > 1 else {
            var chunks: [EncodedColumnChunk] = []
            chunks.reserveCapacity(buffers.count)
            for (leaf, buffer) in buffers.enumerated() { chunks.append(try encoder.encode(buffer, leaf: leaf)) }
            return chunks
        }
        let results = UnsafeMutableBufferPointer<Result<EncodedColumnChunk, ParquetError>?>.allocate(capacity: buffers.count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()  // the encoded chunks (found leaking by AddressSanitizer)
            results.deallocate()
        }
        let order = buffers.indices.sorted { buffers[$0].estimatedByteSize > buffers[$1].estimatedByteSize }
        let box = UncheckedSendable(results)
        let next = AtomicCounter()
        DispatchQueue.concurrentPerform(iterations: min(threads, buffers.count)) { _ in
            while true {
                let k = next.increment()
                guard k < order.count else { return }
                let i = order[k]
                do throws(ParquetError) { box.value[i] = .success(try encoder.encode(buffers[i], leaf: i)) } catch { box.value[i] = .failure(error) }
            }
        }
        var chunks: [EncodedColumnChunk] = []
        chunks.reserveCapacity(buffers.count)
        for result in results { chunks.append(try result!.get()) }
        return chunks
    }

    /// Writes a row group whose chunks were encoded elsewhere (e.g. in parallel by `ColumnChunkEncoder`),
    /// in schema order. Buffered rows must be flushed first.
    public func append(rowGroup chunks: [EncodedColumnChunk], rows: Int) throws(ParquetError) {
        try checkOpen()
        guard bufferedRows == 0 else { throw ParquetError(.invalidBatch, "flush buffered rows before appending a row group") }
        guard chunks.count == schema.columns.count else {
            throw ParquetError(.invalidBatch, "row group has \(chunks.count) chunks, schema has \(schema.columns.count)")
        }
        guard rowGroups.count < Int(Int16.max) else {
            throw ParquetError(.limitExceeded, "a file holds at most 32,767 row groups")
        }
        let groupStart = offset
        var columns: [ColumnChunk] = []
        var uncompressed: Int64 = 0
        for chunk in chunks {
            let chunkStart = offset
            try emit(chunk.bytes)
            let dictionaryOffset: Int64? = chunk.dictionaryPageLength > 0 ? chunkStart : nil
            let meta = ColumnMetaData(
                type: chunk.descriptor.physicalType, encodings: chunk.encodings, pathInSchema: chunk.descriptor.path,
                codec: options.compression, numValues: chunk.numValues,
                totalUncompressedSize: chunk.totalUncompressedSize, totalCompressedSize: Int64(chunk.bytes.count),
                dataPageOffset: chunkStart + Int64(chunk.dictionaryPageLength), dictionaryPageOffset: dictionaryOffset,
                statistics: chunk.statistics, encodingStats: chunk.encodingStats)
            columns.append(ColumnChunk(fileOffset: chunkStart, metaData: meta))
            uncompressed += chunk.totalUncompressedSize
        }
        rowGroups.append(
            RowGroup(
                columns: columns, totalByteSize: uncompressed, numRows: Int64(rows), fileOffset: groupStart,
                totalCompressedSize: offset - groupStart, ordinal: Int16(rowGroups.count)))
        totalRows += Int64(rows)
    }

    /// Flushes buffered rows and writes the footer; returns the file's metadata.
    @discardableResult
    public func close() throws(ParquetError) -> FileMetaData {
        try flushRowGroup()
        let metadata = FileMetaData(
            version: 2, schema: schema.elements, numRows: totalRows, rowGroups: rowGroups,
            keyValueMetadata: options.keyValueMetadata, createdBy: options.createdBy,
            columnOrders: Array(repeating: TypeDefinedColumnOrder(), count: schema.columns.count))
        var thrift = ThriftCompactWriter()
        metadata.write(to: &thrift)
        var footer = thrift.bytes
        footer.append(contentsOf: withUnsafeBytes(of: UInt32(thrift.bytes.count).littleEndian) { Array($0) })
        footer.append(contentsOf: Self.magic)
        try emit(footer)
        isOpen = false
        return metadata
    }

    private func flushIfFull() throws(ParquetError) {
        if bufferedBytes >= options.rowGroupSize || bufferedRows >= options.rowGroupRowLimit {
            try flushRowGroup()
        }
    }

    private func checkOpen() throws(ParquetError) {
        guard isOpen else { throw ParquetError(.writerClosed, "the writer is closed or failed earlier") }
    }

    private func emit(_ bytes: [UInt8]) throws(ParquetError) {
        var failure: ParquetError?
        bytes.withUnsafeBytes { raw in
            do throws(ParquetError) { try sink.write(raw) } catch { failure = error }
        }
        if let failure {
            isOpen = false
            throw failure
        }
        offset += Int64(bytes.count)
    }
}

/// A value shared with worker threads that write disjoint parts of it.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// A counter workers take indices from.
final class AtomicCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLockLike()
    func increment() -> Int {
        lock.withLock {
            value += 1
            return value - 1
        }
    }
}
