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

    @Option(name: .long, help: "A path ending in .parquet (any case) writes one file; any other path is a dataset folder.")
    var output: String

    @Option(help: "Page compression: snappy, gzip, zstd or none.")
    var compression: String = "snappy"

    @Flag(name: .customLong("store-incompressible-pages"), help: "Snappy: store a page whose first 64 KiB Snappy shrinks by less than an eighth (hex IDs, bit-packed indices) as one Snappy literal: still valid Snappy, faster to write and to read, up to an eighth larger for such pages (job a: 6% less CPU, 4% larger).")
    var storeIncompressiblePages = false

    @Option(name: .customLong("row-group-size"), help: "Cut row groups at this much buffered column data (e.g. 32MiB).")
    var rowGroupSize: ByteCount = ByteCount(argument: "32MiB")!

    @Option(name: .customLong("target-file-size"), help: "Folder output: start a new file past this size.")
    var targetFileSize: ByteCount = ByteCount(argument: "512MiB")!

    @Option(name: .customLong("timestamp-unit"), help: "Unit of timestamp columns: ms or us.")
    var timestampUnit: String = "ms"

    @Option(name: .customLong("big-integers"), help: "Columns with integers beyond int64: double (nearest value, reported), decimal (decimal(38,0), exact) or string (exact digits).")
    var bigIntegers: String = "double"

    @Flag(name: .customLong("infer-uuid"), help: "String columns whose every value is 8-4-4-4-12 UUID text become the Parquet UUID type (16 bytes a value, as DuckDB infers). Athena, Glue tables and Spark cannot read it; not with --catalog-out.")
    var inferUUID = false

    @Option(name: .customLong("data-page-version"), help: "Data page format: 1 (widest reader support) or 2.")
    var dataPageVersion: Int = 1

    @Option(help: "An explicit schema file (the format `lakeconv infer-schema` prints) instead of inference.")
    var schema: String?

    @Option(help: "Infer the schema from the first N records only; later records that do not fit are bad records.")
    var sample: Int?

    @Option(name: .customLong("bad-records"), help: "Where to write rejected lines (NDJSON). Default: beside the output.")
    var badRecords: String?

    // `.unconditional`: `--max-bad-records -1` is a (refused) value, not a missing one.
    @Option(name: .customLong("max-bad-records"), parsing: .unconditional, help: "Fail, publishing nothing, past this many bad records: a count or a percentage of lines (0.1%).")
    var maxBadRecords: String?

    @Option(name: .customLong("max-depth"), help: "Deepest nesting accepted; deeper records are bad records.")
    var maxDepth: Int = 1_000

    @Option(name: .customLong("max-record-size"), help: "Longest line accepted; longer lines are bad records.")
    var maxRecordSize: ByteCount = ByteCount(argument: "64MiB")!

    @Option(name: .customLong("max-number-length"), help: "Longest number literal accepted, in characters.")
    var maxNumberLength: Int = 1_024

    @Option(help: "Threads: 1 runs everything on one thread; 2 or more overlap parsing with encoding. Default: all cores.")
    var threads: Int?

    @Option(help: "error (default): refuse a non-empty output. overwrite: replace it. Dataset folders also: append (add files), overwrite-partitions (replace only the partitions written).")
    var mode: String = "error"

    @Option(name: .customLong("partition-by"), help: ArgumentHelp("Partition a dataset folder, repeatable, outermost first: COLUMN (COLUMN=value/), date:COLUMN:year|month|day|hour (year=2021/month=03/…), hash:COLUMN:N (bucket=00/…, Spark's Murmur3 seed 42, pmod N).", valueName: "spec"))
    var partitionBy: [String] = []

    @Option(name: .customLong("date-layout"), help: "Date partition directories: nested (year=/month=/day=/hour=) or a single key name, e.g. dt (dt=2021-03-21).")
    var dateLayout: String = "nested"

    // `.unconditional`: `--timezone -08:00` takes "-08:00" as the value, not as an option.
    @Option(parsing: .unconditional, help: "Time zone of date partitions: UTC or a fixed offset such as +05:30 or -08:00.")
    var timezone: String = "UTC"

    @Flag(name: .customLong("date-default-partition"), help: "Records whose partition timestamp is missing or unparsable go to __HIVE_DEFAULT_PARTITION__ instead of the bad records.")
    var dateDefaultPartition = false

    @Flag(name: .customLong("keep-partition-columns"), help: "Also store category partition columns inside the files (Athena and Glue expect them only in the paths).")
    var keepPartitionColumns = false

    @Option(name: .customLong("max-open-files"), help: "Files open at once in a partitioned write; the least recently used is finished past this.")
    var maxOpenFiles: Int = 100

    @Option(name: .customLong("max-partitions"), help: "Fail, publishing nothing, past this many partitions.")
    var maxPartitions: Int?

    @Option(name: .customLong("memory-limit"), help: "Memory budget for rows buffered in a dataset write.")
    var memoryLimit: ByteCount = ByteCount(argument: "1GiB")!

    @OptionGroup(title: "Catalog (Athena/Glue)")
    var catalog: CatalogArguments

    @Flag(help: "Print a machine-readable summary on standard output.")
    var json = false

    @Flag(help: "No progress and no summary on standard error.")
    var quiet = false

    func validate() throws {
        guard ["snappy", "gzip", "zstd", "none", "uncompressed"].contains(compression.lowercased()) else {
            throw ValidationError("--compression must be snappy, gzip, zstd or none")
        }
        guard ["ms", "us"].contains(timestampUnit) else { throw ValidationError("--timestamp-unit must be ms or us") }
        guard BigIntegerPolicy(rawValue: bigIntegers) != nil else { throw ValidationError("--big-integers must be double, decimal or string") }
        guard [1, 2].contains(dataPageVersion) else { throw ValidationError("--data-page-version must be 1 or 2") }
        guard DatasetMode(rawValue: mode) != nil else {
            throw ValidationError("--mode must be error, append, overwrite or overwrite-partitions")
        }
        guard maxOpenFiles > 0 else { throw ValidationError("--max-open-files must be positive") }
        if let maxBadRecords, BadRecordLimit(parsing: maxBadRecords) == nil {
            throw ValidationError("--max-bad-records takes a count (100) or a percentage (0.1%)")
        }
        if let sample, sample <= 0 { throw ValidationError("--sample must be positive") }
        if schema != nil && sample != nil { throw ValidationError("--schema and --sample cannot be combined") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive") }
        try catalog.validate()
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
        options.writer.storeIncompressiblePages = storeIncompressiblePages
        options.writer.rowGroupSize = rowGroupSize.value
        options.writer.dataPageVersion = dataPageVersion == 2 ? .v2 : .v1
        options.targetFileSize = targetFileSize.value
        options.inference.timestampUnit = timestampUnit == "us" ? .micros : .millis
        options.inference.bigIntegers = BigIntegerPolicy(rawValue: bigIntegers)!
        options.inference.detectsUUIDs = inferUUID
        if let schema { options.schema = try SchemaText.load(path: schema) }
        options.sampleRecords = sample
        options.badRecordsPath = badRecords
        if let maxBadRecords { options.maxBadRecords = BadRecordLimit(parsing: maxBadRecords)! }
        options.limits.maxDepth = maxDepth
        options.limits.maxNumberLength = maxNumberLength
        options.maxRecordBytes = maxRecordSize.value
        options.threads = threads ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        options.mode = DatasetMode(rawValue: mode)!
        options.partitionBy = try partitionBy.map { spec throws(ConversionError) in try PartitionSpec(parsing: spec) }
        options.dateLayout = dateLayout == "nested" ? .nested : .single(key: dateLayout)
        options.partitionTimeZone = try PartitionTimeZone(parsing: timezone)
        options.defaultPartitionForBadDates = dateDefaultPartition
        options.keepPartitionColumns = keepPartitionColumns
        options.maxOpenFiles = maxOpenFiles
        options.maxPartitions = maxPartitions
        options.memoryLimit = memoryLimit.value
        options.catalog = try catalog.options()
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
