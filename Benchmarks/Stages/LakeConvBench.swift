// lakeconv-bench: stage micro-benchmarks, so the bottleneck of a conversion is visible.
//
// Each stage first runs once and its result is checked (a wrong result exits with status 1 before
// any timing is reported); then it runs `--runs` times and the median is reported in MB/s of the
// bytes that stage consumes. Single-threaded unless the stage says otherwise.
//
//   usage: lakeconv-bench [--input FILE] [--mb N] [--runs N] [--only TEXT]
//   --only: time only the stages whose name contains TEXT (for a profiler; all are still checked)
//   default input: bench-data/events_100mb.ndjson (Benchmarks/datagen/gen_events.py --mb 100 --seed 42)
//
// Prints JSON on standard output (what Benchmarks/run_benchmarks.py --stages stores) and a table
// on standard error. Build with the benchmark flags: `swift build -c release --product lakeconv-bench`.
#if canImport(Glibc)
import Glibc
#endif
import CSnappy
import Foundation
import LakeCompression
import LakeConv
import LakeJSON
import LakeParquet

// MARK: - Harness

struct StageResult {
    var name: String
    var bytes: Int
    var seconds: Double
    var check: String
    var mbPerSecond: Double { Double(bytes) / 1e6 / seconds }
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func log(_ message: String) { FileHandle.standardError.write(Data(message.utf8)) }

func fail(_ stage: String, _ why: String) -> Never {
    log("lakeconv-bench: stage '\(stage)' gave a wrong result: \(why)\n")
    exit(1)
}

/// Runs stages: checks once, then times `runs` runs and keeps the median.
final class StageRunner {
    let runs: Int
    /// Only stages whose name contains this run (the others are still checked once).
    let only: String?
    var results: [StageResult] = []

    init(runs: Int, only: String?) {
        self.runs = runs
        self.only = only
    }

    /// `body` returns something that depends on all its work.
    func stage<T>(_ name: String, bytes: Int, check: (T) -> String?, _ body: () throws -> T) rethrows {
        let first = try body()
        if let problem = check(first) { fail(name, problem) }
        if let only, !name.contains(only) { return }
        var times: [Double] = []
        for _ in 0..<runs {
            let start = now()
            let value = try body()
            times.append(now() - start)
            withExtendedLifetime(value) {}
        }
        times.sort()
        let result = StageResult(name: name, bytes: bytes, seconds: times[times.count / 2], check: "ok")
        results.append(result)
        log("  \(name.padding(toLength: 58, withPad: " ", startingAt: 0)) \(String(format: "%8.1f", result.mbPerSecond)) MB/s  (\(bytes / 1_000_000) MB in \(String(format: "%.3f", result.seconds)) s)\n")
    }
}

func option(_ arguments: [String], _ name: String) -> String? {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return nil }
    return arguments[i + 1]
}

@main
enum LakeConvBench {
    static func main() throws {
        AllocatorTuning.applyForConversions()  // as the lakeconv executable does
        let arguments = Array(CommandLine.arguments.dropFirst())
        let inputPath = option(arguments, "--input") ?? "bench-data/events_100mb.ndjson"
        let megabytes = Int(option(arguments, "--mb") ?? "") ?? 64
        let runs = max(1, Int(option(arguments, "--runs") ?? "") ?? 3)
        let runner = StageRunner(runs: runs, only: option(arguments, "--only"))
        try run(runner, inputPath: inputPath, megabytes: megabytes)
    }

    static func run(_ runner: StageRunner, inputPath: String, megabytes: Int) throws {
        let runs = runner.runs
        // MARK: - Input

        guard let file = fopen(inputPath, "rb") else {
            log("lakeconv-bench: cannot open \(inputPath) (generate it: python3 Benchmarks/datagen/gen_events.py --mb 100 --seed 42 --out \(inputPath))\n")
            exit(2)
        }
        var text = [UInt8](repeating: 0, count: megabytes * 1_000_000)
        let got = fread(&text, 1, text.count, file)
        fclose(file)
        text.removeSubrange(got..<text.count)
        while let last = text.last, last != 0x0A { text.removeLast() }  // whole lines only
        guard !text.isEmpty else { log("lakeconv-bench: \(inputPath) has no complete line\n"); exit(2) }
        let slicePath = "/tmp/lakeconv-bench-\(getpid()).ndjson"
        do {
            let out = fopen(slicePath, "wb")!
            _ = fwrite(text, 1, text.count, out)
            fclose(out)
        }
        defer { unlink(slicePath) }
        let expectedLines = text.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        log("lakeconv-bench: \(text.count / 1_000_000) MB, \(expectedLines) lines of \(inputPath); median of \(runs) runs\n")

        /// Line ranges (without the newline), found once for the stages that start from lines.
        var lineRanges: [Range<Int>] = []
        text.withUnsafeBytes { raw in
            var start = 0
            while start < raw.count, let hit = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) {
                let end = raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
                lineRanges.append(start..<end)
                start = end + 1
            }
        }

        // MARK: - Stages

        runner.stage("newline scan (memchr, as LineReader)", bytes: text.count, check: { $0 == expectedLines ? nil : "\($0) lines, expected \(expectedLines)" }) {
            text.withUnsafeBytes { raw -> Int in
                var count = 0
                var start = 0
                while start < raw.count, let hit = memchr(raw.baseAddress! + start, 0x0A, raw.count - start) {
                    count += 1
                    start = raw.baseAddress!.distance(to: UnsafeRawPointer(hit)) + 1
                }
                return count
            }
        }

        try runner.stage("read + split lines (LineReader over the file)", bytes: text.count, check: { $0 == expectedLines ? nil : "\($0) lines, expected \(expectedLines)" }) {
            let reader = LineReader(source: try FileSource(path: slicePath), maxRecordBytes: 64 << 20)
            var count = 0
            while try reader.next() != nil { count += 1 }
            return count
        }

        let firstEventID: [UInt8] = {
            let line = Array(text[lineRanges[0]])
            let prefix = Array(#"{"event_id":""#.utf8)
            guard line.starts(with: prefix) else { fail("input", "the first line does not start with event_id (not the reference event stream?)") }
            return Array(line[prefix.count..<(prefix.count + 36)])
        }()

        runner.stage("parse to tape (JSONParser, strict, UTF-8 validated)", bytes: text.count, check: { $0 == expectedLines ? nil : "\($0) objects, expected \(expectedLines)" }) {
            var parser = JSONParser()
            var objects = 0
            text.withUnsafeBytes { raw in
                for range in lineRanges {
                    do { try parser.parse(UnsafeRawBufferPointer(rebasing: raw[range])) } catch { fail("parse", "line \(objects + 1): \(error)") }
                    if parser.tape.tokens[0].kind == .objectStart { objects += 1 }
                }
            }
            return objects
        }

        var evidence = SchemaEvidence(collectsExamples: false)
        runner.stage("schema evidence (parse + inference pass)", bytes: text.count, check: { (seen: SchemaEvidence) -> String? in seen.records == expectedLines ? nil : "\(seen.records) records observed" }) {
            var parser = JSONParser()
            var seen = SchemaEvidence(collectsExamples: false)
            text.withUnsafeBytes { raw in
                for range in lineRanges {
                    let line = UnsafeRawBufferPointer(rebasing: raw[range])
                    try? parser.parse(line)
                    seen.observe(parser.tape, source: line)
                }
            }
            evidence = seen
            return seen
        }
        let fields = try evidence.resolve(InferenceOptions()).fields
        let schema = try Schema(fields)

        var batch = ColumnBatch(schema: schema)
        runner.stage("parse into columns (JSONParser + column builder)", bytes: text.count, check: { (built: ColumnBatch) -> String? in
            guard built.rowCount == expectedLines else { return "\(built.rowCount) rows, expected \(expectedLines)" }
            guard Array(built.columns[0].byteArrays[0]) == firstEventID else { return "event_id of row 1 is not the text of line 1" }
            return nil
        }) {
            var parser = JSONParser()
            var builder = TapeColumnBuilder(schema: schema, rollback: false)
            text.withUnsafeBytes { raw in
                for range in lineRanges {
                    let line = UnsafeRawBufferPointer(rebasing: raw[range])
                    try? parser.parse(line)
                    do throws(TapeColumnBuilder.Mismatch) { try builder.append(parser.tape, source: line) } catch { fail("parse into columns", error.reason) }
                }
            }
            batch = builder.takeBatch()
            return batch
        }

        var declined = 0
        runner.stage("parse into columns (direct fast path + tape fallback)", bytes: text.count, check: { (built: ColumnBatch) -> String? in
            guard built.rowCount == expectedLines else { return "\(built.rowCount) rows, expected \(expectedLines)" }
            for (c, column) in built.columns.enumerated() where column.levelCount != batch.columns[c].levelCount
                || column.definitionLevels != batch.columns[c].definitionLevels || column.byteArrays != batch.columns[c].byteArrays
                || column.int64s != batch.columns[c].int64s || column.doubles.map(\.bitPattern) != batch.columns[c].doubles.map(\.bitPattern) {
                return "column \(schema.columns[c].path.joined(separator: ".")) differs from the tape path's"
            }
            return nil
        }) {
            var parser = JSONParser()
            var builder = TapeColumnBuilder(schema: schema, rollback: false)
            var reader = DirectRecordReader(plan: DirectReadingPlan(fields), columnCount: schema.columns.count, limits: JSONLimits())!
            text.withUnsafeBytes { raw in
                for range in lineRanges {
                    let line = UnsafeRawBufferPointer(rebasing: raw[range])
                    if builder.appendDirect(line, &reader) { continue }
                    try? parser.parse(line)
                    do throws(TapeColumnBuilder.Mismatch) { try builder.append(parser.tape, source: line) } catch { fail("parse into columns", error.reason) }
                }
            }
            declined = reader.declines
            return builder.takeBatch()
        }
        print("  (the fast path declined \(declined) of \(expectedLines) records: escapes, exponents, other shapes)")

        // Each column chunk as the writer encodes it (encoding chosen by the policy), without compression.
        var plainOptions = WriterOptions()
        plainOptions.compression = .uncompressed
        let chunkEncoder = ColumnChunkEncoder(options: plainOptions, compressor: try Compressors.compressor(for: .uncompressed))
        var pages: [UInt8] = []
        for (c, column) in batch.columns.enumerated() {
            let encoded = try chunkEncoder.encode(column)
            pages.append(contentsOf: encoded.bytes)
            let path = schema.columns[c].path.joined(separator: ".")
            try runner.stage("encode \(path) (\(encoded.valueEncoding))", bytes: column.estimatedByteSize, check: { (chunk: EncodedColumnChunk) -> String? in
                chunk.numValues == Int64(column.levelCount) ? nil : "\(chunk.numValues) values, expected \(column.levelCount)"
            }) {
                try chunkEncoder.encode(column)
            }
        }

        // Rows grouped into 16 partitions, as a hash-partitioned dataset does before writing.
        let userColumn = schema.columns.firstIndex { $0.path == ["user_id"] } ?? 0
        let partitionOfRow = batch.columns[userColumn].int64s.map { Int32(truncatingIfNeeded: UInt64(bitPattern: $0) % 16) }
        var groups: [[Int32]] = Array(repeating: [], count: 16)
        for (row, p) in partitionOfRow.enumerated() { groups[Int(p)].append(Int32(row)) }
        let columnBytes = batch.columns.reduce(0) { $0 + $1.estimatedByteSize }
        runner.stage("gather rows into 16 partitions (hash-partitioned datasets)", bytes: columnBytes, check: { (parts: [[ColumnBuffer]]) -> String? in
            let rows = parts.map { $0[userColumn].int64s.count }
            guard rows == groups.map(\.count) else { return "partition sizes \(rows), expected \(groups.map(\.count))" }
            for p in 0..<16 where parts[p][userColumn].int64s != groups[p].map({ batch.columns[userColumn].int64s[Int($0)] }) {
                return "partition \(p) holds other user_ids"
            }
            let first = groups[0].first.map(Int.init) ?? 0
            guard parts[0][0].byteArrays.count == 0 || Array(parts[0][0].byteArrays[0]) == Array(batch.columns[0].byteArrays[first]) else {
                return "event_id of partition 0's first row differs"
            }
            return nil
        }) {
            let starts = batch.columns.map { $0.rowStarts() }
            return groups.map { rows in
                rows.withUnsafeBufferPointer { rows in batch.columns.enumerated().map { c, column in column.gather(rows: rows, starts: starts[c]) } }
            }
        }

        var gathered: [[ColumnBuffer]] = []
        do {
            let starts = batch.columns.map { $0.rowStarts() }
            gathered = groups.map { rows in rows.withUnsafeBufferPointer { rows in batch.columns.enumerated().map { c, column in column.gather(rows: rows, starts: starts[c]) } } }
        }
        runner.stage("scatter rows into 16 partitions (what datasets run)", bytes: columnBytes, check: { (parts: [[ColumnBuffer]]) -> String? in
            for p in 0..<16 {
                for c in batch.columns.indices {
                    let a = parts[p][c]
                    let b = gathered[p][c]
                    guard a.levelCount == b.levelCount, a.definitionLevels == b.definitionLevels, a.repetitionLevels == b.repetitionLevels,
                        a.int64s == b.int64s, a.doubles.map(\.bitPattern) == b.doubles.map(\.bitPattern), a.booleans == b.booleans,
                        a.byteArrays == b.byteArrays
                    else { return "partition \(p), column \(c): scatter and gather differ" }
                }
            }
            return nil
        }) {
            let counts = groups.map(\.count)
            let byColumn = partitionOfRow.withUnsafeBufferPointer { partitionOfRow in
                batch.columns.map { $0.scatter(partitionOfRow: partitionOfRow, counts: counts) }
            }
            return (0..<16).map { p in byColumn.map { $0[p] } }
        }

        // The encoders alone, on the event_time column's values (timestamps, mostly increasing).
        let timeColumn = schema.columns.firstIndex { $0.path == ["event_time"] } ?? 0
        let times = batch.columns[timeColumn].int64s
        runner.stage("PLAIN int64", bytes: times.count * 8, check: { (out: ByteWriter) -> String? in
            let same = out.bytes.withUnsafeBytes { o in times.withUnsafeBytes { t in memcmp(o.baseAddress!, t.baseAddress!, t.count) == 0 } }
            return out.count == times.count * 8 && same ? nil : "not the little-endian bytes of the values"
        }) {
            var out = ByteWriter(capacity: times.count * 8)
            PlainEncoder.encode(fixedWidth: times[...], into: &out)
            return out
        }
        runner.stage("DELTA_BINARY_PACKED int64 (event_time)", bytes: times.count * 8, check: { (out: ByteWriter) -> String? in
            // Header: <block size 128> <4 miniblocks> <count> <zigzag first value>, all ULEB128.
            var header = ByteWriter()
            header.appendULEB128(128)
            header.appendULEB128(4)
            header.appendULEB128(UInt64(times.count))
            header.appendULEB128(UInt64(bitPattern: (times[0] << 1) ^ (times[0] >> 63)))
            return out.bytes.starts(with: header.bytes) ? nil : "header \(out.bytes.prefix(header.count)) is not \(header.bytes)"
        }) {
            var out = ByteWriter(capacity: times.count * 2)
            _ = DeltaBinaryPackedEncoder.encode(times[...], into: &out)
            return out
        }
        let levels = [UInt32](repeating: 1, count: batch.rowCount)
        runner.stage("RLE/bit-packed hybrid (definition levels, all present)", bytes: levels.count * 2, check: { (out: ByteWriter) -> String? in
            var golden = ByteWriter()
            golden.appendULEB128(UInt64(levels.count) << 1)  // one RLE run of the value 1, in 1 byte
            golden.append(1)
            return out.bytes == golden.bytes ? nil : "\(out.bytes.prefix(8)) is not one run"
        }) {
            var out = ByteWriter()
            RLEHybridEncoder.encode(levels, bitWidth: 1, into: &out)
            return out
        }
        var mixedLevels = [UInt32](repeating: 0, count: batch.rowCount)
        for i in mixedLevels.indices where (i &* 2_654_435_761) % 10 != 0 { mixedLevels[i] = 1 }  // 90% present, scattered
        runner.stage("RLE/bit-packed hybrid (definition levels, 10% null)", bytes: mixedLevels.count * 2, check: { (out: ByteWriter) -> String? in
            out.count >= mixedLevels.count / 8 ? nil : "\(out.count) bytes cannot hold \(mixedLevels.count) scattered levels"
        }) {
            var out = ByteWriter()
            RLEHybridEncoder.encode(mixedLevels, bitWidth: 1, into: &out)
            return out
        }

        // Snappy, checked by a round trip through libsnappy's decompressor.
        func snappyStage(_ name: String, _ input: [UInt8]) throws {
            let compressor = SnappyCompressor()
            let source = UnsafeMutableRawBufferPointer.allocate(byteCount: input.count, alignment: 16)
            defer { source.deallocate() }
            input.withUnsafeBytes { source.copyMemory(from: $0) }
            try runner.stage(name, bytes: input.count, check: { (out: ByteWriter) -> String? in
                var length = 0
                let compressed = out.bytes
                guard compressed.withUnsafeBytes({ snappy_uncompressed_length($0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count, &length) }) == SNAPPY_OK,
                    length == input.count
                else { return "uncompressed length is wrong" }
                var back = [UInt8](repeating: 0, count: length)
                let status = compressed.withUnsafeBytes { o in
                    back.withUnsafeMutableBytes { b in
                        snappy_uncompress(o.baseAddress!.assumingMemoryBound(to: CChar.self), o.count, b.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
                    }
                }
                return status == SNAPPY_OK && back == input ? nil : "round trip differs"
            }) {
                var out = ByteWriter(capacity: input.count + input.count / 6 + 32)
                try compressor.compress(UnsafeRawBufferPointer(source), into: &out)
                return out
            }
        }
        try snappyStage("snappy (NDJSON text)", text)
        try snappyStage("snappy (encoded column pages)", pages)

        // The writer core: the batch to a Snappy Parquet file in memory, all columns, one thread.
        var writerOptions = WriterOptions()
        writerOptions.encodingThreads = 1
        try runner.stage("write Parquet (encode + snappy + statistics, 1 thread)", bytes: text.count, check: { (bytes: [UInt8]) -> String? in
            let magic = Array("PAR1".utf8)
            return bytes.starts(with: magic) && bytes.suffix(4).elementsEqual(magic) ? nil : "not framed by PAR1"
        }) {
            let writer = try ParquetFileWriter(schema: schema, sink: InMemoryByteSink(), options: writerOptions)
            try writer.write(batch)
            let metadata = try writer.close()
            if metadata.numRows != Int64(batch.rowCount) { fail("write Parquet", "\(metadata.numRows) rows in the footer") }
            return writer.sink.bytes
        }

        // The whole conversion as the CLI runs it (all threads, file to file).
        let threads = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let outputPath = "/tmp/lakeconv-bench-\(getpid()).parquet"
        try runner.stage("end to end: ndjson-to-parquet (\(threads) threads)", bytes: text.count, check: { (report: ConversionReport) -> String? in
            report.rowsWritten == expectedLines && report.badRecords == 0 ? nil : "\(report.rowsWritten) rows, \(report.badRecords) bad"
        }) {
            unlink(outputPath)
            var options = ConversionOptions(inputs: [slicePath], output: outputPath)
            options.threads = threads
            return try Converter(options).run()
        }
        unlink(outputPath)

        // MARK: - Report

        func jsonString(_ s: String) -> String {
            "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        var json = "{\"input\": \(jsonString(inputPath)), \"bytes\": \(text.count), \"lines\": \(expectedLines), \"runs\": \(runs), \"stages\": [\n"
        json += runner.results.map {
            "  {\"name\": \(jsonString($0.name)), \"bytes\": \($0.bytes), \"seconds\": \(String(format: "%.6f", $0.seconds)), \"mb_per_s\": \(String(format: "%.1f", $0.mbPerSecond)), \"check\": \"\($0.check)\"}"
        }.joined(separator: ",\n")
        json += "\n]}\n"
        print(json, terminator: "")
    }
}
