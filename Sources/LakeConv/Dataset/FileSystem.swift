#if canImport(Glibc)
import Glibc
#endif
import CLakeSystem

/// The few POSIX operations the dataset commit needs, with errors that name the path.
enum FileSystem {
    static func error(_ what: String, _ path: String) -> ConversionError {
        ConversionError(.output, "\(what) failed: \(String(cString: strerror(errno)))", file: path)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Entry names of a folder (without `.` and `..`), sorted; [] when it cannot be listed.
    static func list(_ folder: String) -> [String] {
        (try? entries(folder)) ?? []
    }

    /// Entry names of a folder (without `.` and `..`), sorted.
    static func entries(_ folder: String) throws(ConversionError) -> [String] {
        guard let dir = opendir(folder) else {
            throw ConversionError(.input, "cannot list folder: \(String(cString: strerror(errno)))", file: folder)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The whole content of a (small) file: manifests, journals, schema files.
    static func readAll(_ path: String) throws(ConversionError) -> [UInt8] {
        let source = try FileSource(path: path)
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 8)
        defer { chunk.deallocate() }
        while case let n = try source.read(into: chunk), n > 0 { bytes.append(contentsOf: chunk.prefix(n)) }
        return bytes
    }

    /// Creates `path` and its missing parents.
    static func makeDirectories(_ path: String) throws(ConversionError) {
        if isDirectory(path) { return }
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw error("mkdir", path) }
    }

    /// Removes a file or a folder tree (does not follow symbolic links).
    static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    static func rename(_ from: String, _ to: String) throws(ConversionError) {
        guard Glibc.rename(from, to) == 0 else { throw error("rename to \(to)", from) }
    }

    /// Atomically swaps two paths (Linux `renameat2(RENAME_EXCHANGE)`); false where unsupported.
    static func exchange(_ a: String, _ b: String) -> Bool {
        lake_rename_exchange(a, b) == 0
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The absolute path with symbolic links resolved, for a path that may not exist yet (its
    /// nearest existing ancestor resolved, the rest appended). Trailing slashes dropped.
    static func resolved(_ path: String) -> String {
        var rest: [String] = []
        var current = path
        while current.count > 1 && current.hasSuffix("/") { current.removeLast() }
        while true {
            if let real = realpath(current, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return rest.isEmpty ? base : (base == "/" ? "" : base) + "/" + rest.reversed().joined(separator: "/")
            }
            guard current != "/" && current != "." && !current.isEmpty else { return path }
            rest.append(baseName(current))
            current = current.contains("/") ? parent(current) : "."
        }
    }

    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// Flushes every file of the file system holding `path` to disk (one call for many files).
    static func syncFileSystem(containing path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            sync()
            return
        }
        if lake_syncfs(fd) != 0 { sync() }
        close(fd)
    }

    static func processAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }

    /// Writes a small file atomically (temporary name, fsync, rename).
    static func writeAtomically(_ text: String, to path: String) throws(ConversionError) {
        do {
            let sink = try FileByteSink(path: path)
            try sink.write(bytes: Array(text.utf8))
            try sink.commit()
        } catch {
            throw ConversionError(.output, error.message, file: path)
        }
    }
}
