#if canImport(Glibc)
import Glibc
#endif
import LakeConv

/// A one-line progress display on a terminal (rows, MB, MB/s, ETA), and the final summary.
final class Progress: @unchecked Sendable {
    private let totalBytes: Int?
    private let started = Progress.now()

    private init(totalBytes: Int?) { self.totalBytes = totalBytes }

    /// A progress display when standard error is a terminal; nil otherwise.
    static func ifTerminal(totalBytes: Int?) -> Progress? {
        isatty(2) != 0 ? Progress(totalBytes: totalBytes) : nil
    }

    /// Total size of plain (uncompressed) input files, for the ETA; nil when unknown.
    static func inputSize(_ inputs: [String]) -> Int? {
        guard let paths = try? InputExpansion.expand(inputs), !paths.contains("-"), !paths.contains(where: { $0.hasSuffix(".gz") }) else {
            return nil
        }
        var total = 0
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            total += Int(info.st_size)
        }
        return total
    }

    func update(rows: Int, bytes: Int) {
        let elapsed = max(Progress.now() - started, 0.001)
        let rate = Double(bytes) / 1e6 / elapsed
        var line = "\r\u{1B}[K\(Progress.grouped(rows)) rows, \(Progress.megabytes(bytes)) MB, \(String(format1: rate)) MB/s"
        if let totalBytes, totalBytes > 0, rate > 0 {
            let remaining = Double(totalBytes - bytes) / 1e6 / rate
            line += ", ETA \(Int(remaining.rounded()))s"
        }
        FileHandleLike.standardError.write(line)
    }

    func clear() { FileHandleLike.standardError.write("\r\u{1B}[K") }

    static func summary(_ report: ConversionReport, output: String) -> String {
        let rate = report.seconds > 0 ? Double(report.bytesRead) / 1e6 / report.seconds : 0
        var text = "lakeconv: \(grouped(report.rowsWritten)) rows written, \(grouped(report.badRecords)) bad records, "
            + "\(grouped(report.blankLines)) blank lines (\(grouped(report.linesRead)) lines read); "
            + "\(megabytes(report.bytesRead)) MB in, \(megabytes(report.bytesWritten)) MB out, "
            + "\(String(format1: report.seconds)) s, \(String(format1: rate)) MB/s → \(output)\n"
        if let bad = report.badRecordsPath { text += "lakeconv: bad records written to \(bad)\n" }
        if report.duplicateKeys > 0 { text += "lakeconv: \(report.duplicateKeys) duplicate keys (the last value was kept)\n" }
        for note in report.schemaNotes { text += "lakeconv: schema: \(note)\n" }
        if !report.catalogFiles.isEmpty { text += "lakeconv: catalog: \(report.catalogFiles.count) files written\n" }
        for note in report.catalogNotes { text += "lakeconv: catalog: \(note)\n" }
        return text
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(d)
        }
        return out
    }

    static func megabytes(_ bytes: Int) -> String { String(format1: Double(bytes) / 1e6) }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

extension String {
    /// One decimal place, without Foundation.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
