import LakeJSON
import LakeParquet

/// A bound on bad records: a count, or a fraction of the lines read.
public enum BadRecordLimit: Sendable, Hashable {
    case unlimited
    case count(Int)
    case fraction(Double)

    /// Parses `N` or `P%` (e.g. `100`, `0.1%`).
    public init?(parsing text: String) {
        if text.hasSuffix("%") {
            guard let percent = Double(text.dropLast()), percent >= 0, percent <= 100 else { return nil }
            self = .fraction(percent / 100)
        } else {
            guard let n = Int(text), n >= 0 else { return nil }
            self = .count(n)
        }
    }

    /// A fraction as a percentage with no binary noise (0.0099 → `0.99%`, not `0.9899999999999999%`).
    static func percentText(_ fraction: Double) -> String {
        let percent = (fraction * 100 * 1_000_000).rounded() / 1_000_000
        var text = "\(percent)"
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + "%"
    }

    func exceeded(bad: Int, lines: Int) -> Bool {
        switch self {
        case .unlimited: false
        case .count(let n): bad > n
        case .fraction(let f): Double(bad) > f * Double(lines)
        }
    }
}

/// Everything a conversion needs; the CLI only fills this in.
public struct ConversionOptions: Sendable {
    public var inputs: [String]
    /// A path ending in `.parquet` is one file; any other path is a dataset folder.
    public var output: String
    public var writer = WriterOptions()
    /// `error`/`overwrite` for a single file; all four modes for a dataset folder.
    public var mode: DatasetMode = .error
    /// Dataset folders: partition levels, outermost first.
    public var partitionBy: [PartitionSpec] = []
    public var dateLayout: DateLayout = .nested
    public var partitionTimeZone = PartitionTimeZone.utc
    /// Records without a usable partition timestamp go to `__HIVE_DEFAULT_PARTITION__` instead of being rejected.
    public var defaultPartitionForBadDates = false
    /// Keep category partition columns inside the files too (by default they are only in the paths).
    public var keepPartitionColumns = false
    /// Files open at once in a partitioned write; the least recently used is finished past this.
    public var maxOpenFiles = 100
    /// Fail past this many partitions (nil: no limit; a warning is reported past 10,000).
    public var maxPartitions: Int?
    /// Memory budget for buffered rows in a dataset write.
    public var memoryLimit = 1 << 30
    /// Emit Athena DDL and Glue JSON for the dataset (folders only).
    public var catalog: CatalogOptions?
    /// Where rejected lines go; default: beside the output.
    public var badRecordsPath: String?
    public var maxBadRecords: BadRecordLimit = .unlimited
    public var limits = JSONLimits()
    /// Longest accepted line, in bytes.
    public var maxRecordBytes = 64 << 20
    public var inference = InferenceOptions()
    /// Infer from the first N records only (one less full pass); records that do not fit are bad records.
    public var sampleRecords: Int?
    /// Keep example values per field during inference (what `infer-schema` prints).
    public var collectExamples = false
    /// An explicit schema instead of inference.
    public var schema: [Field]?
    /// Folder output: start a new file once one reaches this many bytes.
    public var targetFileSize = 512 << 20
    /// 1: everything on one thread. ≥ 2: parsing and encoding overlap on two threads.
    public var threads = 2
    /// Called from the conversion thread with progress (rows, input bytes) about every 64k rows.
    public var progress: (@Sendable (_ rows: Int, _ inputBytes: Int) -> Void)?

    public init(inputs: [String], output: String) {
        self.inputs = inputs
        self.output = output
        self.writer.rowGroupSize = ConversionOptions.defaultRowGroupSize
    }

    /// Row groups for conversions are cut at 32 MiB of buffered column data (the writer core's
    /// default is 128 MiB; DuckDB's 122,880 rows are about as large here). Measured at 1 GB:
    /// 8/16/32/64 MiB gave 110/140/177/456 MB peak RSS, the same speed, and output within 1%.
    public static let defaultRowGroupSize = 32 << 20

    /// `--output` ends in `.parquet` (in any case): one file; else a dataset folder.
    var isSingleFile: Bool { output.lowercased().hasSuffix(".parquet") }

    var resolvedBadRecordsPath: String {
        if let badRecordsPath { return badRecordsPath }
        if isSingleFile { return String(output.dropLast(".parquet".count)) + ".bad_records.ndjson" }
        // Beside the folder, not in it: a failed run must not leave the folder non-empty.
        var folder = output.hasSuffix("/") ? String(output.dropLast()) : output
        if ["", ".", ".."].contains(FileSystem.baseName(folder)) { folder = FileSystem.resolved(folder) }  // `--output .`
        return folder + ".bad_records.ndjson"
    }
}

/// Counts for one input: every line is a row, a bad record or a blank line.
public struct InputReport: Sendable {
    public var path: String
    public var linesRead = 0
    public var rowsWritten = 0
    public var badRecords = 0
    public var blankLines = 0
    public var bytesRead = 0
}

/// One Parquet file the run published.
public struct OutputFileReport: Sendable {
    public var path: String
    public var rows: Int
    public var bytes: Int
}

/// What a conversion did.
public struct ConversionReport: Sendable {
    public var inputs: [InputReport] = []
    public var outputFiles: [OutputFileReport] = []
    public var schema: [Field] = []
    public var schemaNotes: [String] = []
    /// Catalog files written (`--catalog-out`), and notes on names Athena may struggle with.
    public var catalogFiles: [String] = []
    public var catalogNotes: [String] = []
    public var duplicateKeys = 0
    public var badRecordsPath: String?
    public var seconds = 0.0

    public var linesRead: Int { inputs.reduce(0) { $0 + $1.linesRead } }
    public var rowsWritten: Int { inputs.reduce(0) { $0 + $1.rowsWritten } }
    public var badRecords: Int { inputs.reduce(0) { $0 + $1.badRecords } }
    public var blankLines: Int { inputs.reduce(0) { $0 + $1.blankLines } }
    public var bytesRead: Int { inputs.reduce(0) { $0 + $1.bytesRead } }
    public var bytesWritten: Int { outputFiles.reduce(0) { $0 + $1.bytes } }

    /// The machine-readable summary (`--json`).
    public var json: String {
        let inputsJSON = inputs.map {
            JSONText.object([
                ("path", JSONText.quote($0.path)), ("lines_read", "\($0.linesRead)"), ("rows_written", "\($0.rowsWritten)"),
                ("bad_records", "\($0.badRecords)"), ("blank_lines", "\($0.blankLines)"), ("bytes_read", "\($0.bytesRead)"),
            ])
        }
        let outputsJSON = outputFiles.map {
            JSONText.object([("path", JSONText.quote($0.path)), ("rows", "\($0.rows)"), ("bytes", "\($0.bytes)")])
        }
        return JSONText.object([
            ("rows_written", "\(rowsWritten)"), ("bad_records", "\(badRecords)"), ("blank_lines", "\(blankLines)"),
            ("lines_read", "\(linesRead)"), ("duplicate_keys", "\(duplicateKeys)"), ("bytes_read", "\(bytesRead)"),
            ("bytes_written", "\(bytesWritten)"), ("seconds", "\(seconds)"),
            ("bad_records_path", badRecordsPath.map(JSONText.quote) ?? "null"),
            ("inputs", JSONText.array(inputsJSON)), ("output_files", JSONText.array(outputsJSON)),
            ("schema_notes", JSONText.array(schemaNotes.map(JSONText.quote))),
            ("catalog_files", JSONText.array(catalogFiles.map(JSONText.quote))),
            ("catalog_notes", JSONText.array(catalogNotes.map(JSONText.quote))),
        ])
    }
}
