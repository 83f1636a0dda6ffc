#if canImport(Glibc)
import Glibc
#endif
import LakeParquet

/// Writes rejected lines as NDJSON: `{"file", "line", "offset", "reason", "raw" | "raw_base64", "raw_length"}`.
///
/// `raw` is the line without its line end, truncated to 65,536 bytes; when it is not valid UTF-8
/// it is given as `raw_base64` instead. The file is created on the first bad record and made
/// visible when the run ends, also when the run fails.
final class BadRecordWriter {
    let path: String
    private var sink: FileByteSink?
    private(set) var count = 0
    static let rawLimit = 65_536

    init(path: String) {
        self.path = path
        FileByteSink.removeStaleTemporaries(for: path)
    }

    func record(file: String, line: InputLine, reason: String) throws(ConversionError) {
        count += 1
        let raw = UnsafeRawBufferPointer(rebasing: line.bytes.prefix(Self.rawLimit))
        var text = "{\"file\": \(JSONText.quote(file)), \"line\": \(line.number), \"offset\": \(line.offset), \"reason\": \(JSONText.quote(reason)), "
        if let utf8 = String(validating: raw, as: UTF8.self) {
            text += "\"raw\": \(JSONText.quote(utf8))"
        } else {
            text += "\"raw_base64\": \"\(JSONText.base64(raw))\""
        }
        text += ", \"raw_length\": \(line.originalLength)}\n"
        do {
            if sink == nil { sink = try FileByteSink(path: path) }
            try sink!.write(bytes: Array(text.utf8))
        } catch {
            throw ConversionError(.output, "cannot write the bad-records file: \(error.message)", file: path)
        }
    }

    /// Drops what was written (nothing becomes visible).
    func abandon() {
        sink?.abandon()
        sink = nil
        count = 0
    }

    /// Removes a bad-records file an earlier run left at `path`, when this run (which succeeded)
    /// had no bad record: the file would contradict the run's summary. Returns a note when the
    /// file is there and cannot be removed.
    func removeStaleFile() -> String? {
        guard sink == nil, count == 0 else { return nil }
        var status = stat()
        guard lstat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        guard unlink(path) == 0 else { return "the previous run's bad-records file \(path) could not be removed (\(String(cString: strerror(errno)))); this run had no bad record" }
        return nil
    }

    /// Makes the file visible (it is written under a temporary name until then).
    func finish() throws(ConversionError) {
        guard let sink else { return }
        do { try sink.commit() } catch {
            throw ConversionError(.output, "cannot write the bad-records file: \(error.message)", file: path)
        }
    }
}
