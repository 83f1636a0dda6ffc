#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CLakeSystem
import LakeConv

/// The `lakeconv` command. Exit codes (documented in README):
/// 0 success · 1 the conversion failed (input, output, schema, too many bad records) · 2 usage error.
@main
struct Lakeconv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lakeconv",
        abstract: "NDJSON to partitioned, Snappy-compressed Apache Parquet.",
        version: "lakeconv \(LakeConv.version)",
        subcommands: [NDJSONToParquet.self, InferSchema.self, DDL.self])

    static func main() {
        AllocatorTuning.applyForConversions()
        LakeConv.installInputTruncationHandler()
        LakeConv.installInterruptHandler()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as ConversionError {
            FileHandleLike.standardError.write("lakeconv: error: \(error)\n")
            if error.code == .interrupted, let signal = LakeConv.interruptSignal { Glibc.exit(128 + signal) }
            Glibc.exit(error.code == .usage ? 2 : 1)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            FileHandleLike.standardError.write(fullMessage(for: error) + "\n")
            Glibc.exit(2)
        }
    }
}

/// Byte counts with an optional binary suffix: `67108864`, `64MiB`, `64M`, `512KiB`, `1GiB`.
struct ByteCount: ExpressibleByArgument {
    var value: Int

    init?(argument: String) {
        let text = argument.uppercased()
        let units: [(String, Int)] = [("GIB", 1 << 30), ("MIB", 1 << 20), ("KIB", 1 << 10), ("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10), ("B", 1)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let n = Int(text.dropLast(suffix.count)), n > 0 else { return nil }
            value = n * scale
            return
        }
        guard let n = Int(text), n > 0 else { return nil }
        value = n
    }

    var defaultValueDescription: String {
        for (suffix, scale) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where value % scale == 0 {
            return "\(value / scale)\(suffix)"
        }
        return "\(value)"
    }
}

/// Writes to standard error without Foundation.
enum FileHandleLike {
    case standardError
    func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
