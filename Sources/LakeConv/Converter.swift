#if canImport(Glibc)
import Glibc
#endif
import LakeCatalog
import LakeJSON
import LakeParquet

/// NDJSON → Parquet: the library entry point the CLI and ETL code call.
///
/// The schema is lossless by default: the one inference over every record gives (no key is dropped
/// however late it appears). It is found in one pass when the first records decide it: the pass
/// converts with an exact-kinds builder, and a record that would change a type ends the attempt
/// and the input is read twice (infer, then convert). `sampleRecords` infers from the first N
/// records instead; a later record that does not fit is then a bad record, never a silent change.
/// Standard input is spooled to a temporary file so it can be read again.
///
/// Every line is accounted for: rows + bad records + blank lines = lines read, per input.
public struct Converter {
    public let options: ConversionOptions
    /// `LAKECONV_DIRECT_READER=off` runs every record through the tape path: the switch that
    /// measures what the fast path gains (BENCHMARKS.md), never needed for correct output.
    static var directReaderDisabledByEnvironment: Bool {
        guard let value = getenv("LAKECONV_DIRECT_READER") else { return false }
        return String(cString: value) == "off"
    }

    public init(_ options: ConversionOptions) {
        self.options = options
    }

    /// What classifying one line gave.
    enum LineOutcome {
        case blank
        case bad(String)
        case object
    }

    static func classify(_ line: InputLine, parser: inout JSONParser, maxRecordBytes: Int) -> LineOutcome {
        if line.oversized {
            return .bad("record longer than \(maxRecordBytes) bytes (\(line.originalLength) bytes)")
        }
        if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return .blank }
        if line.bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            return .bad("invalid JSON: a byte-order mark (EF BB BF) is accepted only at the start of a file (at byte 0)")
        }
        do {
            try parser.parse(line.bytes)
        } catch {
            switch error.code {
            case .tooDeep, .numberTooLong: return .bad("limit: \(error.message) (at byte \(error.offset))")
            default: return .bad("invalid JSON: \(error.message) (at byte \(error.offset))")
            }
        }
        let kind = parser.tape.tokens[0].kind
        guard kind == .objectStart else {
            let what: String = switch kind {
            case .arrayStart: "an array"
            case .string: "a string"
            case .integer, .bigInteger, .double: "a number"
            case .true, .false: "a boolean"
            default: "null"
            }
            return .bad("not a JSON object: the record is \(what)")
        }
        return .object
    }

    /// Infers the schema (pass 1): the evidence of every record (or the first `sampleRecords`).
    /// Blocks of lines are parsed on all threads and their evidence merged in input order.
    public func inferSchema(paths: [String]) throws(ConversionError) -> SchemaEvidence {
        if let limit = options.sampleRecords { return try inferSample(paths: paths, limit: limit) }
        let limits = options.limits
        let maxRecordBytes = options.maxRecordBytes
        let examples = options.collectExamples
        var evidence = SchemaEvidence(collectsExamples: examples)
        let pool = OrderedPool<SchemaEvidence>(
            workers: options.threads, inFlight: options.threads * 2,
            work: { block in
                var parser = JSONParser(limits: limits)
                var local = SchemaEvidence(collectsExamples: examples)
                for i in 0..<block.lines.count {
                    let line = block.line(i)
                    guard case .object = Converter.classify(line, parser: &parser, maxRecordBytes: maxRecordBytes) else { continue }
                    local.observe(parser.tape, source: line.bytes, at: SchemaEvidence.Location(input: block.input, line: line.number))
                }
                return local
            },
            consume: { _, local in evidence.merge(local) })
        try feed(paths, to: pool)
        return evidence
    }

    /// Reads every input into blocks, hands them to the pool, and waits until all are consumed
    /// (also when reading fails, so nothing runs on after an error).
    private func feed<Result>(_ paths: [String], to pool: OrderedPool<Result>) throws(ConversionError) {
        do throws(ConversionError) {
            try BlockReader.read(paths: paths, maxRecordBytes: options.maxRecordBytes, blockBytes: Self.blockBytes) { block throws(ConversionError) in
                try LakeConv.checkInterrupt()
                try pool.submit(block)
            }
        } catch {
            try? pool.finish()
            throw error
        }
        try pool.finish()
    }

    /// Schema levels past which common readers fail (pyarrow: 100; DuckDB and Spark fewer): a
    /// deeper file is written, with a note.
    static let readableSchemaDepth = 64

    /// Refuses `--schema` types the converter cannot fill from JSON yet, before anything is read.
    static func checkSupported(_ fields: [Field], path: String = "") throws(ConversionError) {
        for field in fields {
            let name = path.isEmpty ? field.name : path + "." + field.name
            try checkSupported(field.type, name)
        }
    }

    private static func checkSupported(_ type: DataType, _ name: String) throws(ConversionError) {
        switch type {
        case .boolean, .int8, .int16, .int32, .int64, .float, .double, .string, .json, .uuid, .date, .timestamp, .decimal(38, 0): return
        case .struct(let fields): try checkSupported(fields, path: name)
        case .list(let element): try checkSupported(element.type, name + "[]")
        default:
            throw ConversionError(
                .usage,
                "--schema: column '\(name)' has type \(SchemaText.typeName(type)), which is not supported yet (supported: boolean, tinyint, smallint, int, bigint, float, double, string, json, uuid, date, timestamp, timestamp_us, decimal(38,0), array<…>, struct<…>)",
                columnPath: name)
        }
    }

    /// Lines per parallel work unit are cut at about this many bytes.
    static let blockBytes = 4 << 20

    private func inferSample(paths: [String], limit: Int) throws(ConversionError) -> SchemaEvidence {
        var evidence = SchemaEvidence(collectsExamples: options.collectExamples)
        var parser = JSONParser(limits: options.limits)
        for (input, path) in paths.enumerated() {
            let reader = LineReader(source: try InputExpansion.open(path), maxRecordBytes: options.maxRecordBytes)
            while let line = try reader.next() {
                guard case .object = Self.classify(line, parser: &parser, maxRecordBytes: options.maxRecordBytes) else { continue }
                evidence.observe(parser.tape, source: line.bytes, at: SchemaEvidence.Location(input: input, line: line.number))
                if evidence.records >= limit { return evidence }
            }
        }
        return evidence
    }

    /// Runs the conversion. On failure nothing is published (bad records are still written).
    public func run() throws(ConversionError) -> ConversionReport {
        let started = Self.now()
        guard !options.output.isEmpty else { throw ConversionError(.usage, "--output is empty: give a .parquet file or a dataset folder") }
        if options.isSingleFile {
            guard options.catalog == nil else {
                throw ConversionError(.usage, "--catalog-out needs a dataset folder as --output (a path not ending in .parquet)")
            }
            guard options.partitionBy.isEmpty else {
                throw ConversionError(.usage, "--partition-by needs a dataset folder as --output (a path not ending in .parquet)")
            }
            guard options.mode == .error || options.mode == .overwrite else {
                throw ConversionError(.usage, "--mode \(options.mode.rawValue) needs a dataset folder as --output")
            }
        }
        if let schema = options.schema { try Self.checkSupported(schema) }
        // One run at a time writes a dataset (held until this function returns).
        let datasetLock = options.isSingleFile ? nil : try DatasetLock.acquire(root: DatasetWriter.rootPath(options.output))
        defer { withExtendedLifetime(datasetLock) {} }
        if !options.isSingleFile && FileSystem.isDirectory(options.output) {
            // A killed run's publish is finished or undone first: the checks below read the
            // dataset's `_SUCCESS`.
            try DatasetWriter.recover(root: DatasetWriter.rootPath(options.output))
        }
        if options.catalog != nil {
            if options.inference.detectsUUIDs && options.schema == nil {
                throw ConversionError(.usage, "--infer-uuid writes the Parquet UUID type, which Glue/Hive tables cannot declare and Athena and Spark cannot read; it cannot be combined with --catalog-out")
            }
            if let schema = options.schema, let problem = DatasetDescription.uuidProblem(schema) { throw ConversionError(.usage, problem) }
        }
        var skippedInFolders: [String] = []
        var paths = try InputExpansion.expand(options.inputs, skipped: &skippedInFolders, excluding: [options.resolvedBadRecordsPath])
        try Self.checkPaths(paths, options)
        // Inputs are read more than once (the schema from the first records, then every
        // record): standard input and other streams (a pipe, a FIFO, `<(zcat …)`) are copied to
        // a temporary file first. Reading a pipe twice would see it empty the second time.
        var spools: [String] = []
        defer { for spool in spools { unlink(spool) } }
        let displayNames = paths
        for (index, path) in paths.enumerated() where path == "-" || Self.isStream(path) {
            let spooled = try Self.spool(path)
            spools.append(spooled)
            paths[index] = spooled
        }

        var report: ConversionReport
        if let explicit = options.schema {
            report = try convert(paths, displayNames, fields: explicit, notes: [], typing: .given).report!
        } else if let limit = options.sampleRecords {
            let resolved = try inferSample(paths: paths, limit: limit).resolve(options.inference, inputNames: displayNames)
            // The notes describe the sample; later values of other kinds are bad records.
            let notes = resolved.notes.map { "in the first \(limit) records (--sample): \($0)" }
            report = try convert(paths, displayNames, fields: resolved.fields, notes: notes, typing: .given).report!
        } else {
            // Speculate: infer from the first records, then convert in one pass in which every
            // record must fit that schema exactly (each value of a kind that leaves its column's
            // inferred type unchanged). A record that does not fit abandons the attempt (nothing
            // is published) and the input is converted again after inference over every record.
            let sample = try inferSample(paths: paths, limit: Self.speculationRecords)
            let resolved = try sample.resolve(options.inference, inputNames: displayNames)
            let whole = sample.records < Self.speculationRecords
            var speculated: ConversionReport?
            var retryNote: String?
            if whole || sample.isStableForSpeculation(options.inference) {
                switch try convert(paths, displayNames, fields: resolved.fields, notes: resolved.notes, typing: whole ? .inferred : .speculative) {
                case .converted(let converted): speculated = converted
                case .misfit(let reason):
                    retryNote = "inference: \(reason), which does not fit the schema of the first \(Self.speculationRecords) records; the schema was inferred again from every record (one more pass)"
                }
            }
            if let speculated {
                report = speculated
            } else {
                let full = try inferSchema(paths: paths).resolve(options.inference, inputNames: displayNames)
                report = try convert(paths, displayNames, fields: full.fields, notes: full.notes + (retryNote.map { [$0] } ?? []), typing: .inferred).report!
            }
        }
        if !skippedInFolders.isEmpty {
            report.schemaNotes.append(
                "inputs: \(skippedInFolders.count) file(s) were not read (a second path to a file already read; in folders, another format or a bad-records file), e.g. \(skippedInFolders[0])")
        }
        report.seconds = Self.now() - started
        return report
    }

    /// Refuses outputs that would overwrite or delete an input: `--output` or `--bad-records`
    /// naming an input, an output folder holding an input (`--mode overwrite` would delete it,
    /// other modes would mix data files with it), the bad-records file at `--output` or inside
    /// the output folder (which is published, or replaced, as a whole).
    static func checkPaths(_ inputs: [String], _ options: ConversionOptions) throws(ConversionError) {
        let output = FileSystem.resolved(options.output)
        let bad = FileSystem.resolved(options.resolvedBadRecordsPath)
        guard bad != output else {
            throw ConversionError(.usage, "--bad-records is the --output path; give the bad records a path of their own", file: options.output)
        }
        if !options.isSingleFile && bad.hasPrefix(output + "/") {
            throw ConversionError(
                .usage, "--bad-records \(options.resolvedBadRecordsPath) is inside the output folder, which is published (or replaced) as a whole; put it beside the folder (the default)",
                file: options.output)
        }
        for input in inputs where input != "-" {
            let path = FileSystem.resolved(input)
            if path == output {
                throw ConversionError(.usage, "--output is this input; the run would overwrite it", file: input)
            }
            if !options.isSingleFile && path.hasPrefix(output + "/") {
                throw ConversionError(
                    .usage,
                    "the output folder \(options.output) holds this input; --mode overwrite would delete it and other modes would mix data files with it: write the dataset to another folder",
                    file: input)
            }
        }
    }

    /// Records inferred from before the single-pass attempt.
    static let speculationRecords = 20_000

    /// How sure the conversion is that every record fits its schema.
    enum Typing {
        /// Inferred from every record: a misfit is an internal error.
        case inferred
        /// Inferred from the first records: a misfit ends the attempt.
        case speculative
        /// Given or sampled by the user: a misfit is a bad record.
        case given
    }

    enum Outcome {
        case converted(ConversionReport)
        /// A record (where, and why) did not fit a speculative schema; nothing was published.
        case misfit(String)

        var report: ConversionReport? {
            if case .converted(let report) = self { return report }
            return nil
        }
    }

    /// One pass: parses every record into columns of `inferredFields` and writes the output.
    private func convert(
        _ paths: [String], _ displayNames: [String], fields inferredFields: [Field], notes: [String], typing: Typing
    ) throws(ConversionError) -> Outcome {
        var options = self.options
        options.writer.encodingThreads = options.threads
        var report = ConversionReport()
        report.schemaNotes = notes
        // Appending, or replacing some partitions (the others stay): the dataset's schema wins
        // where this input's values fit it; a real type change or another partitioning is
        // refused here, before anything is written.
        var fields = inferredFields
        var addedColumns: [Field] = []
        if !options.isSingleFile && (options.mode == .append || options.mode == .overwritePartitions) && FileSystem.exists(options.output + "/_SUCCESS") {
            let existing = try DatasetDescription.load(manifest: options.output)
            guard existing.specs == options.partitionBy else {
                throw ConversionError(.usage, "the dataset is partitioned by \(existing.specs.map(\.description)) but this run asks for \(options.partitionBy.map(\.description)); --mode \(options.mode.rawValue) needs the same partitioning", file: options.output)
            }
            let byDate = options.partitionBy.contains(where: { if case .date = $0 { true } else { false } })
            guard existing.layout == options.dateLayout || !byDate else {
                throw ConversionError(.usage, "the dataset's date directories use another --date-layout than this run's; --mode \(options.mode.rawValue) needs the same layout", file: options.output)
            }
            // Day directories of one dataset must mean the same days (a row would land in two).
            if byDate, let zone = existing.timeZone, zone != options.partitionTimeZone {
                throw ConversionError(
                    .usage, "the dataset's date directories are at --timezone \(zone.text) but this run asks for \(options.partitionTimeZone.text); --mode \(options.mode.rawValue) needs the same time zone",
                    file: options.output)
            }
            let categories = Set(existing.categoryTypes.keys)
            for field in fields where categories.contains(field.name) {
                let old = existing.categoryTypes[field.name]!
                guard old == field.type else {
                    throw ConversionError(.schema, "partition column '\(field.name)' is \(SchemaText.typeName(old)) in the dataset but \(SchemaText.typeName(field.type)) in this input (refused before writing)")
                }
            }
            let reconciled = try SchemaReconciler.reconcile(dataset: existing.fields, input: fields.filter { !categories.contains($0.name) })
            // A category column this input never has keeps the dataset's type: its rows go to
            // the default partition, as a record without it does in any run.
            let missing = existing.specs.compactMap { spec -> Field? in
                guard case .category(let column) = spec, !fields.contains(where: { $0.name == column }), let type = existing.categoryTypes[column] else { return nil }
                return Field(column, type)
            }
            fields = reconciled.fields + fields.filter { categories.contains($0.name) } + missing
            addedColumns = reconciled.added
        }
        report.schema = fields

        // Category partition columns live in the directory names, not in the files (unless kept).
        let pathOnly = options.keepPartitionColumns ? [] : options.partitionBy.compactMap { spec -> String? in
            if case .category(let column) = spec { return column }
            return nil
        }
        let fileFields = fields.filter { !pathOnly.contains($0.name) }
        guard !fileFields.isEmpty || pathOnly.isEmpty else {
            throw ConversionError(.usage, "every column is a partition column; add --keep-partition-columns to store them in the files")
        }
        let schema: Schema
        do { schema = try Schema(fileFields) } catch {
            throw ConversionError(.schema, error.description, columnPath: error.columnPath)
        }
        if let deepest = schema.columns.max(by: { $0.path.count < $1.path.count }), deepest.path.count > Self.readableSchemaDepth {
            report.schemaNotes.append(
                "'\(deepest.path.prefix(3).joined(separator: "."))…' is nested \(deepest.path.count) schema levels deep (a list counts two): pyarrow refuses files deeper than 100 levels and DuckDB deeper than 500 (measured: DuckDB 2.0 read 181); lower --max-depth to make such records bad records, or give the deep field the json type with --schema")
        }

        var keyer: PartitionKeyer?
        if !options.partitionBy.isEmpty {
            keyer = try PartitionKeyer(
                specs: options.partitionBy, fields: fields, layout: options.dateLayout, timeZone: options.partitionTimeZone,
                defaultPartitionForBadDates: options.defaultPartitionForBadDates)
        }
        let flatPartition = [PartitionKeyer.Partition(path: "", values: [])]
        let singleFile: OutputWriter? = options.isSingleFile ? try OutputWriter(options: options, schema: schema) : nil
        let dataset: DatasetWriter? = options.isSingleFile ? nil : try DatasetWriter(
            options: DatasetWriter.Options(
                root: options.output, mode: options.mode, writer: options.writer, targetFileSize: options.targetFileSize,
                maxOpenFiles: options.maxOpenFiles, threads: options.threads, bufferBudget: min(options.memoryLimit / 32, 16 << 20)),
            schema: schema,
            renderEntry: { file, partition, metadata in Manifest.entry(file, partition: partition, metadata: metadata, schema: schema) })
        // Rows buffered before a hand-over: a row group for a file; within the memory budget for a
        // dataset (about six chunk-sized buffers can be alive: parsing, encoding, gathering).
        // Datasets gather each partition's rows into a copy, so their chunks are half a row group.
        let chunkBytes = options.isSingleFile ? options.writer.rowGroupSize : min(options.writer.rowGroupSize / 2, options.memoryLimit / 6)

        let badRecords = BadRecordWriter(path: options.resolvedBadRecordsPath)
        let plan = ColumnPlan(fields, pathOnly: Set(pathOnly))
        let directPlan = !Self.directReaderDisabledByEnvironment ? DirectReadingPlan(plan, capturedMembers: keyer?.capturedColumns ?? []) : nil
        let rollback = typing == .given
        let speculative = typing == .speculative
        // Values must be of the kinds their column's type was inferred from: speculating, and
        // with --sample (a later integer in a column that was a string, or only null, in the
        // sample is a bad record, not its digits), unless --big-integers string made integers
        // strings on purpose.
        let sampled = typing == .given && options.schema == nil
        let exactKinds = speculative || (sampled && options.inference.bigIntegers != .string)
        let limits = options.limits
        let maxRecordBytes = options.maxRecordBytes
        let template = keyer
        let partitioned = keyer != nil
        // Builder storage reused across blocks (its buffers keep their capacity; `appendRows`
        // leaves them empty).
        let storagePool = FreeList<LeafColumns>(keep: options.threads * 2 + 2)

        /// What a worker makes of one block.
        struct BlockResult {
            /// The block's rows, still in the builder's buffers (copied once, into `pending`).
            var built: TapeColumnBuilder?
            var partitionOfRow: [Int32] = []
            var partitions: [PartitionKeyer.Partition] = []
            var bad: [(line: Int, reason: String)] = []
            var blank = 0
            var rows = 0
            var duplicateKeys = 0
            var internalError: String?
            /// Where and why a record did not fit a speculative schema.
            var misfit: String?
        }

        var pending = ColumnBatch(schema: schema)
        var pendingBytes = 0
        var partitionOfRow: [Int32] = []
        var globalPartitions: [PartitionKeyer.Partition] = []
        var globalIDs: [String: Int32] = [:]
        var foldedPaths: [String: String] = [:]
        var input = InputReport(path: displayNames.first ?? "")
        var totalRows = 0
        var totalBytes = 0
        var duplicateKeys = 0
        var misfitReason: String?

        var signalled = false
        func handOver() throws(ConversionError) {
            guard pending.rowCount > 0 else { return }
            let batch = pending
            pending = ColumnBatch(schema: schema)
            pendingBytes = 0
            if let singleFile {
                try singleFile.write(batch)
                // Once `write` returns the batch before this one is written: reuse its arrays
                // (taken only now, so no more than two batches' arrays ever exist).
                if let spare = singleFile.spareBatch() { pending = spare }
            } else if let dataset {
                try dataset.write(batch, partitionOfRow: partitionOfRow, partitions: partitioned ? globalPartitions : flatPartition)
                if let spare = dataset.spareBatch() { pending = spare }
                partitionOfRow.removeAll(keepingCapacity: true)
            }
            // Test hook: a signal in the middle of a run, output already handed to the writer.
            if let value = getenv("LAKECONV_FAILPOINT"), String(cString: value) == "signal-after-first-chunk", !signalled {
                signalled = true
                kill(getpid(), SIGTERM)  // to the process, as `kill` sends it (a pool thread blocks signals)
            }
        }

        let pool = OrderedPool<BlockResult>(
            workers: options.threads, inFlight: options.threads * 2,
            work: { block in
                var parser = JSONParser(limits: limits)
                var builder = TapeColumnBuilder(schema: schema, plan: plan, rollback: rollback, exactKinds: exactKinds, storage: storagePool.take())
                var keyer = template
                var result = BlockResult()
                var direct = directPlan.flatMap { DirectRecordReader(plan: $0, columnCount: schema.columns.count, limits: limits) }
                for i in 0..<block.lines.count {
                    let line = block.line(i)
                    // The fast path first; a record it declines takes the tape path below.
                    if direct != nil, !line.oversized, direct!.worthTrying, builder.appendDirect(line.bytes, &direct!) {
                        if keyer != nil {
                            do throws(PartitionKeyer.Failure) {
                                result.partitionOfRow.append(try keyer!.partition(captured: direct!.captured, source: line.bytes))
                            } catch {
                                builder.undoDirect(direct!)
                                result.bad.append((i, error.reason))
                                continue
                            }
                        }
                        result.rows += 1
                        continue
                    }
                    var outcome = Converter.classify(line, parser: &parser, maxRecordBytes: maxRecordBytes)
                    if case .object = outcome {
                        var partition: Int32 = 0
                        if keyer != nil {
                            do throws(PartitionKeyer.Failure) { partition = try keyer!.partition(of: parser.tape, source: line.bytes) } catch { outcome = .bad(error.reason) }
                        }
                        if case .object = outcome {
                            do throws(TapeColumnBuilder.Mismatch) {
                                try builder.append(parser.tape, source: line.bytes)
                                if partitioned { result.partitionOfRow.append(partition) }
                            } catch {
                                if speculative {
                                    result.misfit = "line \(line.number): \(error.reason)"
                                    break
                                }
                                if !rollback {
                                    result.internalError = "internal error at line \(line.number): a record does not fit the schema inferred from it: \(error.reason)"
                                    break
                                }
                                outcome = .bad(error.reason)
                            }
                        }
                    }
                    switch outcome {
                    case .blank: result.blank += 1
                    case .bad(let reason): result.bad.append((i, reason))
                    case .object: result.rows += 1
                    }
                }
                result.duplicateKeys = builder.duplicateKeys
                result.built = builder
                result.partitions = keyer?.partitions ?? []
                return result
            },
            consume: { block, result throws(ConversionError) in
                try LakeConv.checkInterrupt()
                let name = displayNames[block.input]
                if let message = result.internalError { throw ConversionError(.schema, message, file: name) }
                if let misfit = result.misfit {
                    misfitReason = "\(name) \(misfit)"
                    throw ConversionError(.schema, misfitReason!, file: name)
                }
                if input.path != name { input = InputReport(path: name) }
                for (i, reason) in result.bad {
                    try badRecords.record(file: name, line: block.line(i), reason: reason)
                    input.badRecords += 1
                    if case .count = options.maxBadRecords,
                        options.maxBadRecords.exceeded(bad: report.badRecords + input.badRecords, lines: 0)
                    {
                        throw ConversionError(
                            .tooManyBadRecords, "more than \(badLimitText) bad records; nothing was published (see \(badRecords.path))",
                            file: name, line: block.line(i).number)
                    }
                }
                input.linesRead += block.lines.count
                input.blankLines += result.blank
                input.rowsWritten += result.rows
                totalRows += result.rows
                duplicateKeys += result.duplicateKeys
                if partitioned {
                    var map: [Int32] = []
                    map.reserveCapacity(result.partitions.count)
                    for partition in result.partitions {
                        if let id = globalIDs[partition.path] {
                            map.append(id)
                        } else {
                            let id = Int32(globalPartitions.count)
                            globalIDs[partition.path] = id
                            globalPartitions.append(partition)
                            map.append(id)
                            let folded = partition.path.lowercased()
                            if let other = foldedPaths[folded] {
                                report.schemaNotes.append("partitioning: '\(other)' and '\(partition.path)' differ only in case; they are one folder on case-insensitive file systems (macOS, Windows)")
                            } else {
                                foldedPaths[folded] = partition.path
                            }
                        }
                    }
                    partitionOfRow.append(contentsOf: result.partitionOfRow.lazy.map { map[Int($0)] })
                    if let limit = options.maxPartitions, globalPartitions.count > limit {
                        throw ConversionError(.output, "\(globalPartitions.count) partitions is more than --max-partitions \(limit); nothing was published")
                    }
                }
                if var built = result.built {
                    pendingBytes += built.bufferedBytes
                    built.appendRows(to: &pending)
                    storagePool.give(built.reusableStorage)
                }
                if pendingBytes >= chunkBytes { try handOver() }
                options.progress?(totalRows, totalBytes + block.inputBytesConsumed)
                if block.endOfInput {
                    input.bytesRead = block.inputBytesConsumed
                    totalBytes += input.bytesRead
                    report.inputs.append(input)
                    input = InputReport(path: "")
                }
            })

        do throws(ConversionError) {
            try feed(paths, to: pool)
            if partitioned && globalPartitions.count > 10_000 {
                report.schemaNotes.append("partitioning: \(globalPartitions.count) partitions (more than 10,000: consider a coarser partitioning)")
            }
            if schema.columns.isEmpty && (options.isSingleFile || totalRows > 0) {
                report.schemaNotes.append(
                    "no record has a key (the input is empty, blank, or only empty objects): the Parquet file has no column, which pyarrow reads but DuckDB and Spark refuse; give --schema to write typed columns")
            }
            try handOver()
            report.duplicateKeys = duplicateKeys
            if options.maxBadRecords.exceeded(bad: report.badRecords, lines: report.linesRead) {
                throw ConversionError(
                    .tooManyBadRecords,
                    "\(report.badRecords) bad records of \(report.linesRead) lines is more than \(badLimitText); nothing was published (see \(badRecords.path))")
            }
            if badRecords.count > 0 { report.badRecordsPath = badRecords.path }
            try LakeConv.checkInterrupt()  // a signal during the last blocks: nothing is published
            if let singleFile {
                report.outputFiles = try singleFile.finish(expectedRows: totalRows)
            } else if let dataset {
                let frame = Manifest.frame(
                    runID: dataset.runID, mode: options.mode, specs: options.partitionBy, layout: options.dateLayout,
                    timeZone: options.partitionTimeZone, schema: schema, report: report, compression: options.writer.compression.name)
                let written = try dataset.commit(header: frame.header, footer: frame.footer, expectedRows: totalRows)
                report.outputFiles = written.map { OutputFileReport(path: dataset.root + "/" + $0.relativePath, rows: $0.rows, bytes: $0.bytes) }
                if let catalog = options.catalog {
                    let values = Dictionary((partitioned ? globalPartitions : flatPartition).map { ($0.path, $0.values.map(\.1)) }, uniquingKeysWith: { a, _ in a })
                    var directories: [String] = []
                    var seen = Set<String>()
                    for file in written where seen.insert(file.directory).inserted { directories.append(file.directory) }
                    var categoryTypes: [String: DataType] = [:]
                    for case .category(let column) in options.partitionBy { categoryTypes[column] = fields.first { $0.name == column }?.type }
                    var partitions = directories.map { CatalogPartition(values: values[$0] ?? [], directory: $0) }
                    if options.mode == .append || options.mode == .overwritePartitions {
                        // The table covers the whole dataset (its manifest lists earlier runs' files
                        // too): projection values and partition files for every partition.
                        partitions = try DatasetDescription.load(manifest: dataset.root).partitions
                    }
                    let description = DatasetDescription(
                        fields: fileFields, specs: options.partitionBy, layout: options.dateLayout, categoryTypes: categoryTypes,
                        compression: options.writer.compression.name, partitions: partitions, addedColumns: addedColumns)
                    report.catalogNotes = try description.emit(catalog)
                    report.catalogFiles = FileSystem.list(catalog.outputFolder).map { catalog.outputFolder + "/" + $0 }
                }
            }
        } catch {
            singleFile?.abandon()
            dataset?.abandon()
            if let misfitReason {
                badRecords.abandon()  // the next attempt writes them again
                return .misfit(misfitReason)
            }
            try? badRecords.finish()
            throw error
        }
        try badRecords.finish()
        if let note = badRecords.removeStaleFile() { report.schemaNotes.append(note) }
        return .converted(report)
    }

    private var badLimitText: String {
        switch options.maxBadRecords {
        case .unlimited: "unlimited"
        case .count(let n): "\(n)"
        case .fraction(let f): BadRecordLimit.percentText(f)
        }
    }

    static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Whether `path` is a stream (a pipe, FIFO, socket or character device), which can be read
    /// only once.
    static func isStream(_ path: String) -> Bool {
        var status = stat()
        guard stat(path, &status) == 0 else { return false }  // missing: reported when opened
        let type = status.st_mode & S_IFMT
        return type == S_IFIFO || type == S_IFSOCK || type == S_IFCHR
    }

    /// Copies standard input (`-`) or a stream to a temporary file (gzip detected by its magic
    /// bytes), in `TMPDIR`.
    static func spool(_ input: String) throws(ConversionError) -> String {
        let source: Int32 = input == "-" ? 0 : open(input, O_RDONLY | O_CLOEXEC)
        guard source >= 0 else { throw ConversionError(.input, "cannot open: \(String(cString: strerror(errno)))", file: input) }
        defer { if source != 0 { close(source) } }
        let folder = String(cString: getenv("TMPDIR") ?? strdup("/tmp"))
        var template = Array("\(folder)/lakeconv-stdin-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw ConversionError(.input, "cannot create a spool file in \(folder)", file: input) }
        var path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var first = true
        while true {
            do throws(ConversionError) { try LakeConv.checkInterrupt() } catch {
                close(fd)
                unlink(path)
                throw error
            }
            let n = read(source, buffer.baseAddress, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                close(fd)
                unlink(path)
                throw ConversionError(.input, "cannot read: \(String(cString: strerror(errno)))", file: input)
            }
            if n == 0 { break }
            if first && n >= 2 && buffer[0] == 0x1F && buffer[1] == 0x8B {
                let gzPath = path + ".gz"
                rename(path, gzPath)
                path = gzPath
            }
            first = false
            var done = 0
            while done < n {
                let w = write(fd, buffer.baseAddress! + done, n - done)
                guard w > 0 else {
                    close(fd)
                    unlink(path)
                    throw ConversionError(.input, "cannot copy to \(folder) (inputs that are streams are copied before they are read): \(String(cString: strerror(errno)))", file: input)
                }
                done += w
            }
        }
        close(fd)
        return path
    }
}
