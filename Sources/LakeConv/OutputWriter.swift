#if canImport(Glibc)
import Glibc
#endif
import LakeParquet

/// Turns column batches into one published Parquet file (folders go through `DatasetWriter`).
/// The file is written under a hidden temporary name and renamed into place only by `finish()`,
/// so a failed run publishes nothing.
///
/// With `threads ≥ 2`, encoding and compression run on a `BackgroundWorker` while the caller
/// parses the next batch; at most one batch waits, which bounds memory to about two row groups.
/// All writer state is confined to that worker (hence `@unchecked Sendable`).
final class OutputWriter: @unchecked Sendable {
    private let options: ConversionOptions
    private let schema: Schema
    private let worker: BackgroundWorker
    private var current: (writer: ParquetFileWriter<FileByteSink>, sink: FileByteSink)?
    private let recycler = BatchRecycler()

    init(options: ConversionOptions, schema: Schema) throws(ConversionError) {
        self.options = options
        self.schema = schema
        worker = BackgroundWorker(label: "lakeconv.encode", enabled: options.threads >= 2)
        var info = stat()
        if stat(options.output, &info) == 0 && options.mode == .error {
            throw ConversionError(.output, "the output file exists (use --mode overwrite to replace it)", file: options.output)
        }
        FileByteSink.removeStaleTemporaries(for: options.output)
    }

    /// Hands a batch over; with a background queue this returns once the previous batch is done.
    func write(_ batch: consuming ColumnBatch) throws(ConversionError) {
        try recycler.submit(batch, on: worker) { [self] (batch) throws(ConversionError) in try encode(batch) }
    }

    /// An empty batch whose arrays keep the capacity of one written before, if there is one.
    func spareBatch() -> ColumnBatch? { recycler.spareBatch() }

    private func encode(_ batch: ColumnBatch) throws(ConversionError) {
        guard batch.rowCount > 0 else { return }
        do {
            if current == nil { try openFile() }
            try current!.writer.write(batch)
            try current!.writer.flushRowGroup()
        } catch {
            throw ConversionError(.parquet, error.description, file: options.output, columnPath: error.columnPath)
        }
    }

    private func openFile() throws(ParquetError) {
        let sink = try FileByteSink(path: options.output)
        current = (try ParquetFileWriter(schema: schema, sink: sink, options: options.writer), sink)
    }

    /// Waits for pending work, closes the file and publishes it (an empty input gives a valid empty file).
    /// `expectedRows`: the rows the caller converted; a file holding any other count is not published.
    func finish(expectedRows: Int) throws(ConversionError) -> [OutputFileReport] {
        worker.drain()
        try worker.checkFailure()
        let file: (writer: ParquetFileWriter<FileByteSink>, sink: FileByteSink)
        do {
            if current == nil { try openFile() }
            file = current!
            try file.writer.close()
        } catch {
            throw ConversionError(.output, error.description, file: options.output)
        }
        guard Int(file.writer.rowCount) == expectedRows else {
            throw ConversionError(
                .output, "internal error: \(expectedRows) rows converted, \(file.writer.rowCount) in the file; nothing was published", file: options.output)
        }
        do {
            try file.sink.commit()
        } catch {
            throw ConversionError(.output, error.description, file: options.output)
        }
        current = nil
        return [OutputFileReport(path: options.output, rows: Int(file.writer.rowCount), bytes: Int(file.writer.bytesWritten))]
    }

    /// Removes the temporary file: nothing of this run becomes visible.
    func abandon() {
        worker.drain()
        current?.sink.abandon()
        current = nil
    }
}
