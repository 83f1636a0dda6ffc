#if canImport(Glibc)
import Glibc
#endif
import CZlib

/// A stream of input bytes: a file, standard input, or a decompressed gzip stream.
public protocol ByteSource: AnyObject {
    /// The input's name as the user gave it (for messages and bad-record entries).
    var name: String { get }
    /// Reads up to `buffer.count` bytes; 0 means the end. Throws on I/O or format errors.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int
    /// Compressed bytes consumed so far (equals bytes read for plain files), for progress and MB/s.
    var bytesConsumed: Int { get }
}

/// A file descriptor (a file or standard input).
public final class FileSource: ByteSource {
    public let name: String
    private var descriptor: Int32
    private let ownsDescriptor: Bool
    public private(set) var bytesConsumed = 0

    public init(path: String) throws(ConversionError) {
        name = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        ownsDescriptor = true
        guard descriptor >= 0 else {
            throw ConversionError(.input, "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
    }

    /// Standard input, named "-".
    public init(standardInput: ()) {
        name = "-"
        descriptor = 0
        ownsDescriptor = false
    }

    deinit {
        if ownsDescriptor && descriptor >= 0 { close(descriptor) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int {
        while true {
            let n = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if n >= 0 {
                bytesConsumed += n
                return n
            }
            if errno == EINTR {
                try LakeConv.checkInterrupt()
                continue
            }
            throw ConversionError(.input, "read failed: \(String(cString: strerror(errno)))", file: name)
        }
    }
}

/// Decompresses a gzip stream (RFC 1952) of one or more concatenated members, as `gzip -d` does.
/// A stream that ends inside a member is an error naming the file, never a silent short read.
public final class GzipSource: ByteSource {
    private let inner: any ByteSource
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var inputEnd = false
    private var inMember = false
    private var finished = false
    public var name: String { inner.name }
    public var bytesConsumed: Int { inner.bytesConsumed }

    public init(_ inner: any ByteSource) throws(ConversionError) {
        self.inner = inner
        input = .allocate(byteCount: 1 << 18, alignment: 16)
        // windowBits 15 + 16: gzip wrapper only.
        let status = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            input.deallocate()
            throw ConversionError(.decompression, "inflateInit2 failed (\(status))", file: inner.name)
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ConversionError) -> Int {
        guard !finished, buffer.count > 0 else { return 0 }
        stream.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(buffer.count)
        while stream.avail_out > 0 {
            if stream.avail_in == 0 && !inputEnd {
                let n = try inner.read(into: input)
                if n == 0 {
                    inputEnd = true
                } else {
                    stream.next_in = input.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = uInt(n)
                }
            }
            if stream.avail_in == 0 && inputEnd {
                if inMember {
                    throw ConversionError(.decompression, "truncated gzip stream (it ends inside a member)", file: name)
                }
                // `gzip -d` refuses an empty file too: it holds no gzip member at all.
                if inner.bytesConsumed == 0 {
                    throw ConversionError(.decompression, "empty file: not a gzip stream (no gzip member)", file: name)
                }
                finished = true
                break
            }
            inMember = true
            let status = inflate(&stream, Z_NO_FLUSH)
            if status == Z_STREAM_END {
                // A member ended; another may follow (concatenated gzip).
                inMember = false
                inflateReset(&stream)
            } else if status == Z_BUF_ERROR {
                continue  // needs more input
            } else if status != Z_OK {
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw ConversionError(.decompression, "corrupt gzip data: \(reason)", file: name)
            }
        }
        return buffer.count - Int(stream.avail_out)
    }
}

/// Expands the INPUT arguments: files, folders (recursive, sorted), glob patterns and "-".
public enum InputExpansion {
    public static func expand(_ arguments: [String]) throws(ConversionError) -> [String] {
        var skipped: [String] = []
        return try expand(arguments, skipped: &skipped)
    }

    /// Expands the inputs; `skipped` receives the files that are not read: second paths to a file
    /// already read (the same file named twice, by a folder and a pattern, or a symbolic link),
    /// and in folders files of formats that are not NDJSON (`.parquet`, `.orc`, `.avro`, `.crc`,
    /// other compressions: an earlier output inside the input folder, say), lakeconv's own
    /// bad-records files (`*.bad_records.ndjson`) and the files in `excluding` (this run's
    /// bad-records file). A file in `excluding` named as an input is an error.
    public static func expand(_ arguments: [String], skipped: inout [String], excluding: [String] = []) throws(ConversionError) -> [String] {
        var result: [String] = []
        var seen = Set<FileIdentity>()
        var excluded = Set<FileIdentity>()
        for path in excluding {
            var info = stat()
            if stat(path, &info) == 0 { excluded.insert(FileIdentity(info)) }
        }
        func expandPath(_ path: String, inFolder: Bool) throws(ConversionError) -> [String] {
            try Self.expandPath(path, inFolder: inFolder, seen: &seen, excluded: excluded, skipped: &skipped)
        }
        for argument in arguments {
            if argument == "-" {
                result.append("-")
            } else if argument.contains(where: { "*?[".contains($0) }) {
                let matches = glob(argument)
                guard !matches.isEmpty else { throw ConversionError(.input, "no file matches the pattern", file: argument) }
                for match in matches { result.append(contentsOf: try expandPath(match, inFolder: false)) }
            } else {
                result.append(contentsOf: try expandPath(argument, inFolder: false))
            }
        }
        return result
    }

    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// Extensions of files in folders that are never NDJSON.
    static let otherFormats: Set<String> = ["parquet", "orc", "avro", "crc", "zip", "bz2", "xz", "zst", "lz4", "snappy", "arrow", "feather"]

    /// The name lakeconv gives bad-records files by default.
    static let badRecordsSuffix = ".bad_records.ndjson"

    private static func expandPath(
        _ path: String, inFolder: Bool, seen: inout Set<FileIdentity>, excluded: Set<FileIdentity>, skipped: inout [String]
    ) throws(ConversionError) -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConversionError(.input, "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            let identity = FileIdentity(info)
            if excluded.contains(identity) {
                guard inFolder else {
                    throw ConversionError(.usage, "this input is the run's bad-records file (--bad-records), which the run would overwrite", file: path)
                }
                skipped.append(path)
                return []
            }
            if inFolder {
                let name = path.split(separator: "/").last.map(String.init) ?? path
                if let dot = name.lastIndex(of: "."), otherFormats.contains(name[name.index(after: dot)...].lowercased()) {
                    skipped.append(path)
                    return []
                }
                if name.lowercased().hasSuffix(badRecordsSuffix) {
                    skipped.append(path)
                    return []
                }
            }
            // The same file by a second path: its rows would be written twice.
            if seen.contains(identity) {
                skipped.append(path)
                return []
            }
            seen.insert(identity)
            return [path]
        }
        // Hidden files and folders (.tmp files, _SUCCESS, staging) are not inputs.
        let names = try FileSystem.entries(path).filter { !$0.hasPrefix(".") && !$0.hasPrefix("_") }
        var result: [String] = []
        for name in names {
            result.append(contentsOf: try expandPath(path.hasSuffix("/") ? path + name : path + "/" + name, inFolder: true, seen: &seen, excluded: excluded, skipped: &skipped))
        }
        return result
    }

    private static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
    }

    /// Opens one expanded input, decompressing gzip (`isGzip`).
    public static func open(_ path: String) throws(ConversionError) -> any ByteSource {
        let source: any ByteSource = path == "-" ? FileSource(standardInput: ()) : try FileSource(path: path)
        if path != "-" && isGzip(path) { return try GzipSource(source) }
        return source
    }

    /// Whether an input is gzip: named `.gz` or `.gzip` (in any case), or starting with gzip's
    /// magic bytes (1f 8b) whatever its name. A file named `.gz` that is not gzip is an error
    /// when read.
    public static func isGzip(_ path: String) -> Bool {
        let name = path.lowercased()
        if name.hasSuffix(".gz") || name.hasSuffix(".gzip") { return true }
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var magic: (UInt8, UInt8) = (0, 0)
        let n = withUnsafeMutableBytes(of: &magic) { pread(descriptor, $0.baseAddress, 2, 0) }
        return n == 2 && magic.0 == 0x1F && magic.1 == 0x8B
    }
}
