#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import LakeConv

struct NDJSONToParquet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ndjson-to-parquet",
        abstract: "Convert NDJSON (files, folders, globs, stdin, .gz) to Snappy-compressed Parquet.",
        discussion: """
            The schema is inferred from every record (lossless: late keys, late decimals and \
            late strings are all kept), unless --schema or --sample is given. Every input line is \
            a row, a bad record (written to --bad-records with file, line, offset and reason) or a \
            blank line; the summary shows the three counts.

            Examples:
              lakeconv ndjson-to-parquet events.ndjson --output events.parquet
              lakeconv ndjson-to-parquet 'logs/*.ndjson.gz' --output lake/events/ --max-bad-records 0.1%
              zcat big.ndjson.gz | lakeconv ndjson-to-parquet - --output big.parquet --json

            Exit codes: 0 success, 1 the conversion failed (nothing was published), 2 usage error.
            """)

    @Argument(help: "NDJSON files, folders (recursive), glob patterns, or - for standard input. .gz is decompressed.")
    var inputs: [String]

    @Option(name: .long, help: "A path ending in .parquet writes one file; any other path is a dataset folder.")
    var output: String

    @Option(help: "Page compression: snappy, gzip, zstd or none.")
    var compression: String = "snappy"

    @Option(name: .customLong("row-group-size"), help: "Cut row groups at this much buffered column data (e.g. 64MiB).")
    var rowGroupSize: ByteCount = ByteCount(argument: "64MiB")!

    @Option(name: .customLong("target-file-size"), help: "Folder output: start a new file past this size.")
    var targetFileSize: ByteCount = ByteCount(argument: "512MiB")!

    @Option(name: .customLong("timestamp-unit"), help: "Unit of timestamp columns: ms or us.")
    var timestampUnit: String = "ms"

    @Option(name: .customLong("data-page-version"), help: "Data page format: 1 (widest reader support) or 2.")
    var dataPageVersion: Int = 1

    @Option(help: "An explicit schema file (the format `lakeconv infer-schema` prints) instead of inference.")
    var schema: String?

    @Option(help: "Infer the schema from the first N records only; later records that do not fit are bad records.")
    var sample: Int?

    @Option(name: .customLong("bad-records"), help: "Where to write rejected lines (NDJSON). Default: beside the output.")
    var badRecords: String?

    @Option(name: .customLong("max-bad-records"), help: "Fail, publishing nothing, past this many bad records: a count or a percentage of lines (0.1%).")
    var maxBadRecords: String?

    @Option(name: .customLong("max-depth"), help: "Deepest nesting accepted; deeper records are bad records.")
    var maxDepth: Int = 1_000

    @Option(name: .customLong("max-record-size"), help: "Longest line accepted; longer lines are bad records.")
    var maxRecordSize: ByteCount = ByteCount(argument: "64MiB")!

    @Option(name: .customLong("max-number-length"), help: "Longest number literal accepted, in characters.")
    var maxNumberLength: Int = 1_024

    @Option(help: "Threads: 1 runs everything on one thread; 2 or more overlap parsing with encoding. Default: all cores.")
    var threads: Int?

    @Option(help: "error (default): refuse an existing output. overwrite: replace it.")
    var mode: String = "error"

    @Flag(help: "Print a machine-readable summary on standard output.")
    var json = false

    @Flag(help: "No progress and no summary on standard error.")
    var quiet = false

    func validate() throws {
        guard ["snappy", "gzip", "zstd", "none", "uncompressed"].contains(compression.lowercased()) else {
            throw ValidationError("--compression must be snappy, gzip, zstd or none")
        }
        guard ["ms", "us"].contains(timestampUnit) else { throw ValidationError("--timestamp-unit must be ms or us") }
        guard [1, 2].contains(dataPageVersion) else { throw ValidationError("--data-page-version must be 1 or 2") }
        guard WriteMode(rawValue: mode) != nil else {
            throw ValidationError("--mode must be error or overwrite (append and overwrite-partitions come with partitioned output)")
        }
        if let maxBadRecords, BadRecordLimit(parsing: maxBadRecords) == nil {
            throw ValidationError("--max-bad-records takes a count (100) or a percentage (0.1%)")
        }
        if let sample, sample <= 0 { throw ValidationError("--sample must be positive") }
        if schema != nil && sample != nil { throw ValidationError("--schema and --sample cannot be combined") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive") }
        guard maxDepth > 0, maxNumberLength > 0 else { throw ValidationError("limits must be positive") }
    }

    func run() throws {
        var options = ConversionOptions(inputs: inputs, output: output)
        options.writer.compression = switch compression.lowercased() {
        case "gzip": .gzip
        case "zstd": .zstd
        case "none", "uncompressed": .uncompressed
        default: .snappy
        }
        options.writer.rowGroupSize = rowGroupSize.value
        options.writer.dataPageVersion = dataPageVersion == 2 ? .v2 : .v1
        options.targetFileSize = targetFileSize.value
        options.inference.timestampUnit = timestampUnit == "us" ? .micros : .millis
        if let schema { options.schema = try SchemaText.load(path: schema) }
        options.sampleRecords = sample
        options.badRecordsPath = badRecords
        if let maxBadRecords { options.maxBadRecords = BadRecordLimit(parsing: maxBadRecords)! }
        options.limits.maxDepth = maxDepth
        options.limits.maxNumberLength = maxNumberLength
        options.maxRecordBytes = maxRecordSize.value
        options.threads = threads ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        options.mode = WriteMode(rawValue: mode)!
        let progress = quiet ? nil : Progress.ifTerminal(totalBytes: Progress.inputSize(inputs))
        if let progress {
            options.progress = { @Sendable (rows: Int, bytes: Int) in progress.update(rows: rows, bytes: bytes) }
        }

        let report = try Converter(options).run()
        progress?.clear()
        if json { print(report.json) }
        if !quiet { FileHandleLike.standardError.write(Progress.summary(report, output: output)) }
    }
}
