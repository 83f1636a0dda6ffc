#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CLakeSystem
import LakeParquet

/// A `ByteSink` over a file that becomes visible only when committed.
///
/// Bytes go to a hidden temporary file beside the destination (`.NAME.tmp-PID`), buffered in
/// 1 MiB writes. `commit()` fsyncs the file, renames it onto the destination and fsyncs the
/// folder, so a reader sees either no file or the whole file. `abandon()` (or deinit without
/// commit) removes the temporary file.
public final class FileByteSink: ByteSink {
    public let path: String
    public let temporaryPath: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferSize = 1 << 20
    private var committed = false
    /// Bytes written, and how many of them were handed to writeback already: every
    /// `writebackStep` the kernel is asked to start writing the file out, so that `commit`'s
    /// fsync (or a dataset's syncfs) waits for the last part only (it waited ~50 ms per 200 MB
    /// with an idle CPU).
    private var written = 0
    private var writebackStarted = 0
    private static let writebackStep = 16 << 20

    /// `direct`: write to `path` itself (for files inside a hidden staging folder, which the
    /// dataset commit makes durable with one `syncfs` and publishes by renaming the folder).
    public init(path: String, direct: Bool = false) throws(ParquetError) {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        temporaryPath = direct ? path : "\(folder)/.\(name).tmp-\(getpid())"
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ParquetError(.sink, "cannot create \(temporaryPath): \(String(cString: strerror(errno)))")
        }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        if !committed { abandon() }
    }

    /// Removes temporary files (`.NAME.tmp-PID`) that runs now dead left beside `path` (killed,
    /// or stopped by a fault before they could clean up).
    public static func removeStaleTemporaries(for path: String) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let prefix = ".\(name).tmp-"
        guard let directory = opendir(folder.isEmpty ? "/" : folder) else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard entryName.hasPrefix(prefix), let pid = Int32(entryName.dropFirst(prefix.count)), pid != getpid() else { continue }
            if !FileSystem.processAlive(pid) { unlink(folder + "/" + entryName) }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) {
        if buffer.count + bytes.count > Self.bufferSize { try drain() }
        if bytes.count >= Self.bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes an array's bytes.
    public func write(bytes: [UInt8]) throws(ParquetError) {
        var failure: ParquetError?
        bytes.withUnsafeBytes { raw in
            do throws(ParquetError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Flushes, fsyncs, renames into place and fsyncs the folder.
    public func commit() throws(ParquetError) {
        try drain()
        guard fsync(descriptor) == 0 else { throw failure("fsync") }
        close(descriptor)
        descriptor = -1
        guard rename(temporaryPath, path) == 0 else { throw failure("rename to \(path)") }
        committed = true
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let dir = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }

    /// Flushes and closes a `direct` file without fsync (the caller syncs the file system once).
    public func closeUnsynced() throws(ParquetError) {
        try drain()
        close(descriptor)
        descriptor = -1
        committed = true
    }

    /// Removes the temporary file; nothing becomes visible.
    public func abandon() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }

    private func drain() throws(ParquetError) {
        guard !buffer.isEmpty else { return }
        var failure: ParquetError?
        buffer.withUnsafeBytes { raw in
            do throws(ParquetError) { try writeAll(raw) } catch { failure = error }
        }
        buffer.removeAll(keepingCapacity: true)
        if let failure { throw failure }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws(ParquetError) {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write")
            }
            done += n
        }
        written += bytes.count
        if written - writebackStarted >= Self.writebackStep {
            _ = lake_start_writeback(descriptor, Int64(writebackStarted), Int64(written - writebackStarted))
            writebackStarted = written
        }
    }

    private func failure(_ what: String) -> ParquetError {
        ParquetError(.sink, "\(what) failed for \(temporaryPath): \(String(cString: strerror(errno)))")
    }
}
