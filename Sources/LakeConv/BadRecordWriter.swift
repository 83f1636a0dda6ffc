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

    /// The kept prefix of a longer line without a UTF-8 character cut at its end (up to 3
    /// bytes of a sequence the cut split), so a valid line is written as `raw`.
    static func wholeCharacters(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var end = bytes.count
        var back = 0
        // Step back over continuation bytes to the last sequence's lead byte.
        while back < 3 && end - back - 1 >= 0 && bytes[end - back - 1] & 0xC0 == 0x80 { back += 1 }
        let leadAt = end - back - 1
        guard leadAt >= 0 else { return bytes }
        let lead = bytes[leadAt]
        let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        if length > back + 1 { end = leadAt }  // the sequence is incomplete: drop it
        return UnsafeRawBufferPointer(rebasing: bytes[0..<end])
    }

    init(path: String) {
        self.path = path
        FileByteSink.removeStaleTemporaries(for: path)
    }

    func record(file: String, line: InputLine, reason: String) throws(ConversionError) {
        count += 1
        var raw = UnsafeRawBufferPointer(rebasing: line.bytes.prefix(Self.rawLimit))
        if line.oversized || line.bytes.count > Self.rawLimit { raw = Self.wholeCharacters(raw) }
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
