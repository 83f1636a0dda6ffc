#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import LakeParquet

/// Turns column batches into published Parquet files: one file, or a folder of files rolled at
/// the target size. Files are written under hidden temporary names and renamed into place only
/// by `finish()`, so a failed run publishes nothing.
///
/// With `threads ≥ 2`, encoding and compression run on a serial background queue while the
/// caller parses the next batch; at most one batch waits, which bounds memory to about two row
/// groups. All writer state is confined to that queue (hence `@unchecked Sendable`).
final class OutputWriter: @unchecked Sendable {
    private let options: ConversionOptions
    private let schema: Schema
    private let queue = DispatchQueue(label: "lakeconv.encode")
    private let slots: DispatchSemaphore
    private let async: Bool
    private let lock = NSLockLike()
    private var failure: ConversionError?

    private var current: (writer: ParquetFileWriter<FileByteSink>, sink: FileByteSink)?
    private var closed: [(sink: FileByteSink, rows: Int, bytes: Int)] = []
    private var sequence = 0
    private let runID: String

    init(options: ConversionOptions, schema: Schema) throws(ConversionError) {
        self.options = options
        self.schema = schema
        async = options.threads >= 2
        slots = DispatchSemaphore(value: 1)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        runID = String(UInt64(now.tv_sec) << 20 ^ UInt64(now.tv_nsec >> 10) ^ UInt64(getpid()), radix: 36)
        try prepareTarget()
    }

    /// Checks the output against the mode before any work is done.
    private func prepareTarget() throws(ConversionError) {
        let path = options.output
        var info = stat()
        let exists = stat(path, &info) == 0
        if options.isSingleFile {
            if exists && options.mode == .error {
                throw ConversionError(.output, "the output file exists (use --mode overwrite to replace it)", file: path)
            }
            return
        }
        if exists {
            guard info.st_mode & S_IFMT == S_IFDIR else {
                throw ConversionError(.output, "the output exists and is not a folder", file: path)
            }
            if options.mode == .error && !Self.visibleEntries(path).isEmpty {
                throw ConversionError(.output, "the output folder is not empty (use --mode overwrite to replace it)", file: path)
            }
        } else if mkdir(path, 0o755) != 0 {
            throw ConversionError(.output, "cannot create the output folder: \(String(cString: strerror(errno)))", file: path)
        }
    }

    static func visibleEntries(_ folder: String) -> [String] {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") && !name.hasPrefix("_") { names.append(name) }
        }
        return names
    }

    /// Hands a batch over; with a background queue this returns once the previous batch is done.
    func write(_ batch: ColumnBatch) throws(ConversionError) {
        try checkFailure()
        guard async else {
            try encode(batch)
            return
        }
        slots.wait()
        try checkFailure()
        queue.async { [self] in
            defer { slots.signal() }
            do throws(ConversionError) { try encode(batch) } catch { fail(error) }
        }
    }

    private func encode(_ batch: ColumnBatch) throws(ConversionError) {
        let rows = batch.rowCount
        guard rows > 0 else { return }
        do {
            if current == nil { try openFile() }
            let writer = current!.writer
            try writer.write(batch)
            try writer.flushRowGroup()
            if !options.isSingleFile && writer.bytesWritten >= Int64(options.targetFileSize) { try closeFile() }
        } catch {
            throw ConversionError(.parquet, error.description, file: current?.sink.path, columnPath: error.columnPath)
        }
    }

    private func openFile() throws(ParquetError) {
        let path: String
        if options.isSingleFile {
            path = options.output
        } else {
            let folder = options.output.hasSuffix("/") ? String(options.output.dropLast()) : options.output
            let number = String(sequence)
            path = "\(folder)/part-\(String(repeating: "0", count: max(0, 5 - number.count)) + number)-\(runID).parquet"
            sequence += 1
        }
        let sink = try FileByteSink(path: path)
        current = (try ParquetFileWriter(schema: schema, sink: sink, options: options.writer), sink)
    }

    private func closeFile() throws(ParquetError) {
        guard let (writer, sink) = current else { return }
        current = nil
        try writer.close()
        closed.append((sink, Int(writer.rowCount), Int(writer.bytesWritten)))
    }

    /// Waits for pending work, closes the last file and publishes every file.
    func finish() throws(ConversionError) -> [OutputFileReport] {
        drain()
        try checkFailure()
        do {
            // A run with no rows still publishes one valid, empty file for a single-file output.
            if current == nil && closed.isEmpty && options.isSingleFile { try openFile() }
            try closeFile()
            var reports: [OutputFileReport] = []
            for file in closed {
                try file.sink.commit()
                reports.append(OutputFileReport(path: file.sink.path, rows: file.rows, bytes: file.bytes))
            }
            if !options.isSingleFile && options.mode == .overwrite { removeStaleFiles(keeping: Set(reports.map(\.path))) }
            return reports
        } catch {
            throw ConversionError(.output, error.description, file: options.output)
        }
    }

    /// Removes every temporary file: nothing of this run becomes visible.
    func abandon() {
        drain()
        current?.sink.abandon()
        current = nil
        for file in closed { file.sink.abandon() }
        closed.removeAll()
    }

    private func removeStaleFiles(keeping: Set<String>) {
        let folder = options.output.hasSuffix("/") ? String(options.output.dropLast()) : options.output
        for name in Self.visibleEntries(folder) where name.hasSuffix(".parquet") {
            let path = "\(folder)/\(name)"
            if !keeping.contains(path) { unlink(path) }
        }
    }

    private func drain() {
        if async { queue.sync {} }
    }

    private func fail(_ error: ConversionError) {
        lock.withLock { if failure == nil { failure = error } }
    }

    private func checkFailure() throws(ConversionError) {
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}

/// A pthread mutex (Foundation-free).
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
