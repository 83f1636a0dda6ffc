// libFuzzer entry point for the whole conversion: the input is an NDJSON file; it is inferred,
// converted to a Parquet file and checked: the run never crashes, every line is accounted for
// (rows + bad records + blank lines = lines read), and the output is a complete Parquet file.
// Built only with `LAKECONV_FUZZ=1 swift build --sanitize=fuzzer --sanitize=address
// --product lakeconv-fuzz-convert` (scripts/fuzz.sh convert).
import Glibc
import LakeConv

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConvert(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let folder = "/dev/shm/lakeconv-fuzz-\(getpid())"
    mkdir(folder, 0o755)
    let input = folder + "/in.ndjson"
    let output = folder + "/out.parquet"
    let fd = open(input, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    precondition(fd >= 0)
    var written = 0
    while written < size {
        let n = write(fd, data + written, size - written)
        precondition(n > 0)
        written += n
    }
    close(fd)
    unlink(output)
    unlink(folder + "/out.bad_records.ndjson")
    var options = ConversionOptions(inputs: [input], output: output)
    options.threads = 1
    options.limits = JSONLimits(maxDepth: 64, maxNumberLength: 128)
    options.maxRecordBytes = 1 << 16
    do {
        let report = try Converter(options).run()
        precondition(report.rowsWritten + report.badRecords + report.blankLines == report.linesRead, "a line was lost")
        var info = stat()
        precondition(stat(output, &info) == 0 && info.st_size >= 12, "no complete output")
        let check = open(output, O_RDONLY)
        var head = [UInt8](repeating: 0, count: 4)
        var tail = [UInt8](repeating: 0, count: 4)
        _ = pread(check, &head, 4, 0)
        _ = pread(check, &tail, 4, off_t(info.st_size - 4))
        close(check)
        precondition(head == Array("PAR1".utf8) && tail == Array("PAR1".utf8), "output is not a complete Parquet file")
    } catch {
        // Only schema-level refusals may fail a run (e.g. keys that collide in Athena).
        precondition(error.code == .schema, "unexpected failure: \(error)")
    }
    return 0
}
