#if canImport(Glibc)
import Glibc
#endif
import LakeParquet

/// Writes a dataset folder: Hive-partitioned or flat, files rolled at the target size, published
/// with a commit protocol and a `_SUCCESS` manifest.
///
/// Rows arrive in chunks, each row tagged with its partition. A chunk is grouped by partition
/// (counting sort) and each partition's rows are gathered and appended as a row group to that
/// partition's open file. At most `maxOpenFiles` files are open; the least recently used is
/// finished when another is needed, so few partitions mean few, large files.
///
/// Commit protocol. Everything is written under a hidden sibling staging folder
/// (`.NAME.lakeconv-staging-RUNID-PID`), every file fsynced; then:
/// - `error` mode (target missing or empty) and `overwrite`: `_SUCCESS` is written into the
///   staging tree and the tree replaces the target in one atomic rename (an atomic exchange with
///   `renameat2(RENAME_EXCHANGE)` when the target exists), so readers see the old dataset or the
///   new one, never a mix; the old tree is then deleted.
/// - `append` and `overwrite-partitions`: `_SUCCESS` is removed, a journal listing the moves is
///   written, files are renamed into place (new names are unique: run id + sequence), replaced
///   partitions lose their old files, the journal is removed and `_SUCCESS` written last. A run
///   killed in between leaves complete files only and no `_SUCCESS`; the next run rolls the
///   journal back (removes the files it lists) before it starts.
/// A failed run removes its staging folder; a killed run's staging folder is removed by the next
/// run on the same target (when its process is gone).
final class DatasetWriter: @unchecked Sendable {
    struct Options {
        var root: String
        var mode: DatasetMode
        var writer: WriterOptions
        var targetFileSize: Int
        var maxOpenFiles: Int
        var threads: Int
        /// Rows buffered across all open files before the largest buffers are written out as row
        /// groups (each file also writes one whenever its buffer reaches the row group size).
        var bufferBudget = 32 << 20
    }

    struct WrittenFile {
        /// Path relative to the dataset root.
        var relativePath: String
        /// Relative partition directory ("" for a flat dataset).
        var directory: String
        var rows: Int
        var bytes: Int
    }

    private let options: Options
    private let schema: Schema
    let runID: String
    let staging: String
    private let worker: BackgroundWorker
    private let recycler = BatchRecycler()

    private struct OpenFile {
        var writer: ParquetFileWriter<FileByteSink>
        var sink: FileByteSink
        var relativePath: String
        var lastUse: Int
    }

    private var open: [Int32: OpenFile] = [:]
    /// Bytes each open file holds for its next row group, and their sum.
    private var buffered: [Int32: Int] = [:]
    private var bufferedTotal = 0
    private var written: [WrittenFile] = []
    /// Rows of every chunk handed over (written on the worker; read after it drains).
    private var rowsReceived = 0
    /// Manifest entries (one JSON object per finished file), streamed to staging to bound memory.
    private var manifestEntries: FileByteSink?
    private let renderEntry: (WrittenFile, PartitionKeyer.Partition, FileMetaData) -> String
    private var partitions: [PartitionKeyer.Partition] = []
    private var sequence = 0
    private var clock = 0

    init(options: Options, schema: Schema, renderEntry: @escaping (WrittenFile, PartitionKeyer.Partition, FileMetaData) -> String) throws(ConversionError) {
        self.options = options
        self.schema = schema
        self.renderEntry = renderEntry
        worker = BackgroundWorker(label: "lakeconv.dataset", enabled: options.threads >= 2)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let stamp = UInt64(now.tv_sec) &* 1_000_000 &+ UInt64(now.tv_nsec / 1000)
        runID = String(stamp, radix: 36) + String(UInt32(truncatingIfNeeded: getpid()), radix: 36)
        let root = Self.rootPath(options.root)
        staging = FileSystem.parent(root) + "/." + FileSystem.baseName(root) + ".lakeconv-staging-\(runID)-\(getpid())"
        try Self.recover(root: root)
        try checkTarget(root)
        try FileSystem.makeDirectories(staging)
    }

    var root: String { Self.rootPath(options.root) }

    /// The dataset folder as given, without a trailing `/`.
    static func rootPath(_ output: String) -> String {
        output.hasSuffix("/") && output.count > 1 ? String(output.dropLast()) : output
    }

    // MARK: Before the run

    /// Finishes or undoes a killed run's publish (see `publishFileByFile`), then removes staging
    /// folders of processes that are gone.
    static func recover(root: String) throws(ConversionError) {
        func deadTag(_ name: String, _ prefix: String) -> String? {
            guard name.hasPrefix(prefix) else { return nil }
            let tag = String(name.dropFirst(prefix.count))
            guard let pid = Int32(tag.split(separator: ".").first ?? ""), !FileSystem.processAlive(pid) else { return nil }
            return tag
        }
        let entries = FileSystem.list(root)
        for name in entries {
            guard let tag = deadTag(name, ".lakeconv-journal-") else { continue }
            // Killed before its commit point: remove its new files, put the previous manifest back.
            let journal = root + "/" + name
            if let bytes = try? FileSystem.readAll(journal) {
                for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.isEmpty {
                    unlink(root + "/" + String(line))
                    // Partition folders the rolled-back run created, left empty (rmdir stops at a non-empty one).
                    var folder = FileSystem.parent(String(line))
                    while folder != "." && !folder.isEmpty && rmdir(root + "/" + folder) == 0 { folder = FileSystem.parent(folder) }
                }
            }
            let previous = root + "/.lakeconv-previous-" + tag
            if FileSystem.exists(previous) && !FileSystem.exists(root + "/_SUCCESS") { try FileSystem.rename(previous, root + "/_SUCCESS") }
            unlink(root + "/.lakeconv-delete-" + tag)
            unlink(previous)
            FileSystem.syncDirectory(root)
            unlink(journal)
        }
        for name in FileSystem.list(root) {
            // Killed after its commit point: finish it.
            guard let tag = deadTag(name, ".lakeconv-delete-") else { continue }
            try rollForward(root: root, deletions: root + "/" + name, previous: root + "/.lakeconv-previous-" + tag)
        }
        for name in FileSystem.list(root) {
            // A set-aside manifest with no journal left (removed by hand): keep it only if nothing replaced it.
            guard let tag = deadTag(name, ".lakeconv-previous-") else { continue }
            if !FileSystem.exists(root + "/_SUCCESS") { try FileSystem.rename(root + "/" + name, root + "/_SUCCESS") } else { unlink(root + "/" + name) }
            _ = tag
        }
        let parent = FileSystem.parent(root)
        let prefix = "." + FileSystem.baseName(root) + ".lakeconv-staging-"
        for name in FileSystem.list(parent) where name.hasPrefix(prefix) {
            // `…-RUNID-PID` (the staging tree) or `…-RUNID-PID-manifest` (a manifest set aside by an append commit).
            let trimmed = name.hasSuffix("-manifest") ? String(name.dropLast("-manifest".count)) : name
            if let pid = Int32(trimmed.split(separator: "-").last ?? ""), !FileSystem.processAlive(pid) {
                FileSystem.removeTree(parent + "/" + name)
            }
        }
    }

    /// Visible entries: anything not hidden (`_SUCCESS` and other `_` files count: they belong to a dataset).
    static func visibleEntries(_ folder: String) -> [String] {
        FileSystem.list(folder).filter { !$0.hasPrefix(".") }
    }

    private func checkTarget(_ root: String) throws(ConversionError) {
        guard FileSystem.exists(root) else { return }
        guard FileSystem.isDirectory(root) else {
            throw ConversionError(.output, "the output exists and is not a folder", file: root)
        }
        if options.mode == .error && !Self.visibleEntries(root).isEmpty {
            throw ConversionError(
                .output, "the output folder is not empty (use --mode append, overwrite or overwrite-partitions)", file: root)
        }
    }

    // MARK: Writing

    /// Hands over a chunk; `partitionOfRow[i]` is row i's partition, `partitions` every partition
    /// seen so far. An unpartitioned dataset passes no ids: every row is in partition 0.
    func write(_ chunk: consuming ColumnBatch, partitionOfRow: [Int32], partitions: [PartitionKeyer.Partition]) throws(ConversionError) {
        try recycler.submit(chunk, on: worker) { [self] (chunk) throws(ConversionError) in try writeChunk(chunk, partitionOfRow, partitions) }
    }

    /// An empty chunk whose arrays keep the capacity of one written before, if there is one.
    func spareBatch() -> ColumnBatch? { recycler.spareBatch() }

    /// Up to this many partitions in a chunk, rows are scattered (one pass per column); beyond,
    /// each partition gathers its rows (one pass per partition, touching only its rows).
    static let scatterLimit = 256
    /// Runs of rows in one partition at least this long on average are copied as ranges.
    static let runCopyMinimum = 64

    private func writeChunk(_ chunk: ColumnBatch, _ partitionOfRow: [Int32], _ known: [PartitionKeyer.Partition]) throws(ConversionError) {
        let rows = chunk.rowCount
        guard rows > 0 else { return }
        partitions = known
        rowsReceived += rows
        if partitionOfRow.isEmpty {
            try append(chunk, rows: rows, to: 0)
            return
        }
        guard partitionOfRow.count == rows else {
            throw ConversionError(.output, "internal error: \(partitionOfRow.count) partition ids for a chunk of \(rows) rows; nothing was published", file: root)
        }
        // Counting sort of rows by partition (ids are dense: 0 ..< known.count).
        var counts = [Int](repeating: 0, count: known.count)
        for p in partitionOfRow { counts[Int(p)] += 1 }
        let order = counts.indices.filter { counts[$0] > 0 }
        if order.count == 1 {
            try append(chunk, rows: rows, to: partitionOfRow[0])
            return
        }
        // Split parts are numbered in `order`: part i is partition order[i], with counts[order[i]] rows.
        var local = [Int32](repeating: -1, count: known.count)
        for (i, p) in order.enumerated() { local[p] = Int32(i) }
        func appendParts(_ byColumn: [[ColumnBuffer]]) throws(ConversionError) {
            for (i, p) in order.enumerated() {
                try append(ColumnBatch(columns: byColumn.map { $0[i] }, rowCount: counts[p]), rows: counts[p], to: Int32(p))
            }
        }
        // Rows that arrive grouped (time-ordered records partitioned by date): whole runs are
        // copied in bulk. A run averages at least `runCopyMinimum` rows, or scatter pays off.
        var runs: [ColumnBuffer.RowRun] = []
        var runStart = 0
        for row in 1...rows where row == rows || partitionOfRow[row] != partitionOfRow[runStart] {
            runs.append(ColumnBuffer.RowRun(rows: runStart..<row, part: Int(local[Int(partitionOfRow[runStart])])))
            runStart = row
            if runs.count * Self.runCopyMinimum > rows { break }
        }
        if runs.count * Self.runCopyMinimum <= rows {
            try appendParts(chunk.columns.map { $0.split(runs: runs, parts: order.count) })
            return
        }
        if order.count <= Self.scatterLimit {
            // Few partitions: every column is split in one sequential pass.
            let localOfRow = partitionOfRow.map { local[Int($0)] }
            let localCounts = order.map { counts[$0] }
            try appendParts(localOfRow.withUnsafeBufferPointer { rowsLocal in
                chunk.columns.map { $0.scatter(partitionOfRow: rowsLocal, counts: localCounts) }
            })
            return
        }
        var start = [Int](repeating: 0, count: known.count)
        var next = 0
        for p in order {
            start[p] = next
            next += counts[p]
        }
        var grouped = [Int32](repeating: 0, count: rows)
        var cursor = start
        for (row, p) in partitionOfRow.enumerated() {
            grouped[cursor[Int(p)]] = Int32(row)
            cursor[Int(p)] += 1
        }
        let starts = chunk.columns.map { $0.rowStarts() }
        try grouped.withUnsafeBufferPointer { (all: UnsafeBufferPointer<Int32>) throws(ConversionError) in
            for p in order {
                let from = start[p]
                let rowsOfPartition = UnsafeBufferPointer(rebasing: all[from..<(from + counts[p])])
                var columns: [ColumnBuffer] = []
                columns.reserveCapacity(chunk.columns.count)
                for (c, column) in chunk.columns.enumerated() { columns.append(column.gather(rows: rowsOfPartition, starts: starts[c])) }
                try append(ColumnBatch(columns: columns, rowCount: rowsOfPartition.count), rows: rowsOfPartition.count, to: Int32(p))
            }
        }
    }

    /// Appends a batch as one row group to the partition's open file (opening, evicting, rolling as needed).
    private func append(_ batch: ColumnBatch, rows: Int, to partition: Int32) throws(ConversionError) {
        // A batch larger than the target file size goes in pieces, each followed by the roll
        // check, so a small --target-file-size is kept (one 16 MiB chunk made one file).
        let pieceBytes = max(options.targetFileSize, 64 << 10)
        if rows > 1 && batch.estimatedByteSize > pieceBytes {
            for piece in batch.split(intoPiecesOf: pieceBytes) { try append(piece, rows: piece.rowCount, to: partition) }
            return
        }
        clock += 1
        if open[partition] == nil {
            if open.count >= options.maxOpenFiles, let victim = open.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                try finishFile(victim)
            }
            try openFile(partition)
        }
        open[partition]!.lastUse = clock
        let file = open[partition]!
        do {
            // Buffered per partition: a small partition's rows of many chunks make one row group.
            try file.writer.write(batch)
        } catch {
            throw ConversionError(.parquet, error.description, file: file.sink.path, columnPath: error.columnPath)
        }
        noteBuffered(partition, file.writer.bufferedByteCount)
        if bufferedTotal > options.bufferBudget {
            // Over budget: write out the largest buffers until half the budget is left.
            for (victim, _) in buffered.sorted(by: { $0.value > $1.value }) where bufferedTotal > options.bufferBudget / 2 {
                guard let writer = open[victim]?.writer else { continue }
                do { try writer.flushRowGroup() } catch {
                    throw ConversionError(.parquet, error.description, file: open[victim]!.sink.path, columnPath: error.columnPath)
                }
                noteBuffered(victim, 0)
            }
        }
        if file.writer.bytesWritten >= Int64(options.targetFileSize) { try finishFile(partition) }
    }

    private func openFile(_ partition: Int32) throws(ConversionError) {
        let directory = partitions[Int(partition)].path
        let number = String(sequence)
        sequence += 1
        let name = "part-\(String(repeating: "0", count: max(0, 5 - number.count)) + number)-\(runID).parquet"
        let relative = directory.isEmpty ? name : directory + "/" + name
        try FileSystem.makeDirectories(directory.isEmpty ? staging : staging + "/" + directory)
        do {
            let sink = try FileByteSink(path: staging + "/" + relative, direct: true)
            // A file rolls over after a row group: row groups no larger than the target keep a
            // small --target-file-size near its value (a 32 MiB row group made 200 KiB files 730 KB).
            var writerOptions = options.writer
            writerOptions.rowGroupSize = min(writerOptions.rowGroupSize, max(options.targetFileSize, 64 << 10))
            let writer = try ParquetFileWriter(schema: schema, sink: sink, options: writerOptions)
            open[partition] = OpenFile(writer: writer, sink: sink, relativePath: relative, lastUse: clock)
        } catch {
            throw ConversionError(.output, error.description, file: staging + "/" + relative)
        }
    }

    private func noteBuffered(_ partition: Int32, _ bytes: Int) {
        bufferedTotal += bytes - (buffered[partition] ?? 0)
        if bytes == 0 { buffered[partition] = nil } else { buffered[partition] = bytes }
    }

    private func finishFile(_ partition: Int32) throws(ConversionError) {
        noteBuffered(partition, 0)
        guard let file = open.removeValue(forKey: partition) else { return }
        do {
            let metadata = try file.writer.close()
            try file.sink.closeUnsynced()
            let entry = WrittenFile(
                relativePath: file.relativePath, directory: partitions[Int(partition)].path, rows: Int(file.writer.rowCount),
                bytes: Int(file.writer.bytesWritten))
            written.append(entry)
            if manifestEntries == nil { manifestEntries = try FileByteSink(path: staging + "/.manifest-entries", direct: true) }
            try manifestEntries!.write(bytes: Array(((written.count > 1 ? ",\n  " : "  ") + renderEntry(entry, partitions[Int(partition)], metadata)).utf8))
        } catch {
            throw ConversionError(.output, error.description, file: file.sink.path)
        }
    }

    // MARK: Commit

    /// Finishes every file and publishes the dataset. `_SUCCESS` is `header`, then the file
    /// entries (streamed from staging), then `footer`.
    /// `expectedRows`: the rows the caller converted, checked against the rows in the files.
    func commit(header: String, footer: String, expectedRows: Int) throws(ConversionError) -> [WrittenFile] {
        worker.drain()
        try worker.checkFailure()
        for partition in open.keys.sorted() { try finishFile(partition) }
        // Every row handed over is in a finished file, or nothing is published.
        let rowsInFiles = written.reduce(0) { $0 + $1.rows }
        guard rowsInFiles == rowsReceived, rowsReceived == expectedRows else {
            throw ConversionError(
                .output, "internal error: \(expectedRows) rows converted, \(rowsReceived) handed to the dataset writer, \(rowsInFiles) in its files; nothing was published",
                file: root)
        }
        do { try manifestEntries?.closeUnsynced() } catch { throw ConversionError(.output, error.description, file: staging) }
        let manifest = staging + "/.manifest"
        // Appending or replacing some partitions: the manifest goes on listing the files of
        // earlier runs that stay (`ddl`, projection and readers of `_SUCCESS` see the whole
        // dataset); the counts in its header are this run's.
        var carried: [String] = []
        if options.mode == .append || options.mode == .overwritePartitions, FileSystem.exists(root + "/_SUCCESS") {
            let replaced = options.mode == .overwritePartitions ? Set(written.map(\.directory)) : []
            let root = self.root
            carried = try Manifest.fileEntries(of: root + "/_SUCCESS").filter { entry in
                !replaced.contains(entry.directory) && FileSystem.exists(root + "/" + entry.path)
            }.map(\.text)
        }
        try assembleManifest(header: header, footer: footer, carried: carried, into: manifest)
        // Every staged file reaches the disk before anything is published.
        FileSystem.syncFileSystem(containing: staging)
        switch options.mode {
        case .error, .overwrite:
            try publishWholeTree(manifest: manifest)
        case .append, .overwritePartitions:
            try publishFileByFile(manifest: manifest)
        }
        return written
    }

    private func assembleManifest(header: String, footer: String, carried: [String], into path: String) throws(ConversionError) {
        do {
            let out = try FileByteSink(path: path, direct: true)
            try out.write(bytes: Array(header.utf8))
            for (i, entry) in carried.enumerated() { try out.write(bytes: Array(((i == 0 ? "  " : ",\n  ") + entry).utf8)) }
            if manifestEntries != nil {
                if !carried.isEmpty { try out.write(bytes: Array(",\n".utf8)) }
                let entries = try FileSource(path: staging + "/.manifest-entries")
                let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
                defer { chunk.deallocate() }
                while case let n = try entries.read(into: chunk), n > 0 { try out.write(UnsafeRawBufferPointer(rebasing: chunk[0..<n])) }
                unlink(staging + "/.manifest-entries")
            }
            try out.write(bytes: Array(footer.utf8))
            try out.closeUnsynced()
        } catch let error as ParquetError {
            throw ConversionError(.output, error.message, file: path)
        } catch {
            throw error as! ConversionError
        }
    }

    private func publishWholeTree(manifest: String) throws(ConversionError) {
        try FileSystem.rename(manifest, staging + "/_SUCCESS")
        FileSystem.syncDirectory(staging)
        let root = self.root
        if !FileSystem.exists(root) {
            try FileSystem.rename(staging, root)
        } else if options.mode == .error {
            // Empty (checked at the start): replace the empty folder.
            rmdir(root)
            do { try FileSystem.rename(staging, root) } catch {
                if FileSystem.exists(root) && !Self.visibleEntries(root).isEmpty {
                    throw ConversionError(
                        .output, "another run published into the output folder while this one ran; nothing of this run was published (use --mode append, overwrite or overwrite-partitions)", file: root)
                }
                throw error
            }
        } else if FileSystem.exchange(staging, root) {
            FileSystem.removeTree(staging)  // now holds the old dataset
        } else {
            // No atomic exchange on this file system: move the old tree aside, then the new one in.
            let aside = staging + "-old"
            try FileSystem.rename(root, aside)
            try FileSystem.rename(staging, root)
            FileSystem.removeTree(aside)
        }
        FileSystem.syncDirectory(FileSystem.parent(root))
    }

    /// Publishes into an existing dataset (append, overwrite-partitions), file by file:
    ///
    /// 1. journal `.lakeconv-journal-PID.RUN` lists the new files (while it exists, a killed run
    ///    is rolled back: the new files removed, the previous `_SUCCESS` put back);
    /// 2. the previous `_SUCCESS` is set aside (`.lakeconv-previous-PID.RUN`): consumers that wait
    ///    for `_SUCCESS` never see a half-published run;
    /// 3. the new files move in;
    /// 4. journal `.lakeconv-delete-PID.RUN` names this run's manifest (set aside outside the
    ///    dataset) and lists the old files of the partitions it replaces;
    /// 5. the first journal is removed: the commit point. From here a killed run is rolled
    ///    forward: the listed old files removed, the new manifest put in place;
    /// 6. the old files are removed, the new `_SUCCESS` moves in, the second journal and the
    ///    previous manifest are removed.
    private func publishFileByFile(manifest: String) throws(ConversionError) {
        var manifestAside = FileSystem.parent(staging) + "/" + FileSystem.baseName(staging) + "-manifest"
        if !manifestAside.hasPrefix("/"), let cwd = getcwd(nil, 0) {
            manifestAside = String(cString: cwd) + "/" + manifestAside  // recovery may run from another folder
            free(cwd)
        }
        try FileSystem.rename(manifest, manifestAside)
        let root = self.root
        try FileSystem.makeDirectories(root)
        let tag = "\(getpid()).\(runID)"
        let journal = root + "/.lakeconv-journal-" + tag
        let previous = root + "/.lakeconv-previous-" + tag
        let deletions = root + "/.lakeconv-delete-" + tag
        try FileSystem.writeAtomically(written.map(\.relativePath).joined(separator: "\n") + "\n", to: journal)
        FileSystem.syncDirectory(root)
        if FileSystem.exists(root + "/_SUCCESS") { try FileSystem.rename(root + "/_SUCCESS", previous) }
        Self.failpoint("publish-set-aside")
        var touched = Set<String>()
        for file in written {
            let directory = file.directory
            let target = directory.isEmpty ? root : root + "/" + directory
            try FileSystem.makeDirectories(target)
            try FileSystem.rename(staging + "/" + file.relativePath, root + "/" + file.relativePath)
            touched.insert(target)
        }
        for directory in touched { FileSystem.syncDirectory(directory) }
        Self.failpoint("publish-moved")
        var old: [String] = []
        if options.mode == .overwritePartitions {
            let mine = Set(written.map { root + "/" + $0.relativePath })
            for directory in touched {
                for name in FileSystem.list(directory) where !name.hasPrefix(".") && !mine.contains(directory + "/" + name) {
                    // Old data files of a replaced partition; sub-partition folders stay untouched.
                    if !FileSystem.isDirectory(directory + "/" + name) { old.append(String((directory + "/" + name).dropFirst(root.count + 1))) }
                }
            }
        }
        try FileSystem.writeAtomically(([manifestAside] + old).joined(separator: "\n") + "\n", to: deletions)
        unlink(journal)  // the commit point
        FileSystem.syncDirectory(root)
        Self.failpoint("publish-committed")
        try Self.rollForward(root: root, deletions: deletions, previous: previous)
        FileSystem.removeTree(staging)
    }

    /// Finishes a committed file-by-file publish (step 6 above); also what recovery does for a
    /// run killed after its commit point.
    private static func rollForward(root: String, deletions: String, previous: String) throws(ConversionError) {
        let lines = String(decoding: (try? FileSystem.readAll(deletions)) ?? [], as: UTF8.self).split(separator: "\n").map(String.init)
        for relative in lines.dropFirst() where !relative.isEmpty { unlink(root + "/" + relative) }
        if let manifest = lines.first, FileSystem.exists(manifest) {
            try FileSystem.rename(manifest, root + "/_SUCCESS")
        } else if !FileSystem.exists(root + "/_SUCCESS") && FileSystem.exists(previous) {
            // The new manifest is gone (removed by hand): the previous one is better than none.
            try FileSystem.rename(previous, root + "/_SUCCESS")
        }
        FileSystem.syncDirectory(root)
        unlink(deletions)
        unlink(previous)
    }

    /// Test hook: `LAKECONV_FAILPOINT=NAME` stops the process at that step, as a kill would
    /// (exit status 137, nothing cleaned up).
    static func failpoint(_ name: String) {
        if let value = getenv("LAKECONV_FAILPOINT"), String(cString: value) == name { _exit(137) }
    }

    /// Removes everything this run wrote; nothing becomes visible.
    func abandon() {
        worker.drain()
        for file in open.values { file.sink.abandon() }
        open.removeAll()
        FileSystem.removeTree(staging)
    }
}

/// An exclusive lock on a dataset while one run writes it, so that runs on one dataset take
/// turns: two appends at once each read the old `_SUCCESS`, checked their types against it, and
/// the later publish dropped the other's files from the manifest. `flock` on a hidden file
/// beside the folder (`.NAME.lakeconv-lock`; beside, not in it: `overwrite` replaces the folder).
/// The holder removes the file when it lets go; a lock taken on a file removed meanwhile is
/// taken again on the new one, so two runs never both hold it. A killed run's lock goes with
/// its process (its file stays until the next run lets go).
final class DatasetLock {
    private let descriptor: Int32
    private let path: String

    /// Nil when another process holds the lock.
    init?(root: String) throws(ConversionError) {
        let parent = FileSystem.parent(root)
        if !FileSystem.isDirectory(parent) { try FileSystem.makeDirectories(parent) }
        path = parent + "/." + FileSystem.baseName(root) + ".lakeconv-lock"
        while true {
            let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else { throw FileSystem.error("creating the dataset's lock file", path) }
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                return nil
            }
            // Still the file at `path` (not one the last holder removed after we opened it)?
            var held = stat()
            var current = stat()
            if fstat(descriptor, &held) == 0, stat(path, &current) == 0, held.st_ino == current.st_ino, held.st_dev == current.st_dev {
                self.descriptor = descriptor
                return
            }
            close(descriptor)
        }
    }

    /// The lock, or the error that another run is writing the dataset.
    static func acquire(root: String) throws(ConversionError) -> DatasetLock {
        guard let lock = try DatasetLock(root: root) else {
            throw ConversionError(
                .output, "another lakeconv run is writing this dataset; nothing was written (runs on one dataset take turns: run again when it ends)",
                file: root)
        }
        return lock
    }

    deinit {
        unlink(path)  // while still held: a run that opened it before will see it is gone
        close(descriptor)
    }
}

/// `--mode` for dataset folders.
public enum DatasetMode: String, Sendable, CaseIterable {
    /// Refuse a non-empty target (the default).
    case error
    /// Add uniquely named files.
    case append
    /// Replace the whole dataset.
    case overwrite
    /// Replace only the partitions this run writes.
    case overwritePartitions = "overwrite-partitions"
}
