// libFuzzer entry point for the schema-directed fast path against the tape path: the input is
// NDJSON text; a schema is inferred from its lines, then every line goes through both paths and
// the run stops on any difference: a line the fast path takes that the tape path rejects, or
// columns that differ in any level or value. The schema changes with the input, so the fuzzer
// explores schemas (nested objects, lists, timestamps, mixed kinds) and records at once.
// Built only with `LAKECONV_FUZZ=1 swift build --sanitize=fuzzer --sanitize=address
// --product lakeconv-fuzz-direct` (scripts/fuzz.sh direct).
import LakeConv
import LakeJSON
import LakeParquet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDirect(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = UnsafeRawBufferPointer(start: data, count: size)
    var lines: [UnsafeRawBufferPointer] = []
    var start = 0
    for i in 0...size where i == size || text[i] == 0x0A {
        if i > start { lines.append(UnsafeRawBufferPointer(rebasing: text[start..<i])) }
        start = i + 1
    }
    let limits = JSONLimits(maxDepth: 64, maxNumberLength: 128)
    var parser = JSONParser(limits: limits)
    var evidence = SchemaEvidence(collectsExamples: false)
    for line in lines {
        guard (try? parser.parse(line)) != nil, parser.tape.tokens[0].kind == .objectStart else { continue }
        evidence.observe(parser.tape, source: line)
    }
    guard let fields = try? evidence.resolve(InferenceOptions()).fields, !fields.isEmpty, let schema = try? Schema(fields) else { return 0 }
    for exactKinds in [false, true] {
        var tapeBuilder = TapeColumnBuilder(schema: schema, rollback: true, exactKinds: exactKinds)
        var directBuilder = TapeColumnBuilder(schema: schema, rollback: true, exactKinds: exactKinds)
        guard var reader = DirectRecordReader(plan: DirectReadingPlan(fields), columnCount: schema.columns.count, limits: limits, recordsTape: false) else { return 0 }
        func tapeRow(_ line: UnsafeRawBufferPointer, _ builder: inout TapeColumnBuilder) -> Bool {
            guard (try? parser.parse(line)) != nil, parser.tape.tokens[0].kind == .objectStart else { return false }
            return (try? builder.append(parser.tape, source: line)) != nil
        }
        for line in lines {
            let isRow = tapeRow(line, &tapeBuilder)
            if directBuilder.appendDirect(line, &reader) {
                precondition(isRow, "the fast path took a line the tape path rejects: \(String(decoding: line, as: UTF8.self))")
            } else {
                precondition(tapeRow(line, &directBuilder) == isRow, "the tape path changed its mind")
            }
        }
        let a = tapeBuilder.takeBatch()
        let b = directBuilder.takeBatch()
        precondition(a.rowCount == b.rowCount, "row counts differ")
        for (x, y) in zip(a.columns, b.columns) {
            let path = x.descriptor.dottedPath
            precondition(x.levelCount == y.levelCount && x.definitionLevels == y.definitionLevels && x.repetitionLevels == y.repetitionLevels, "levels differ in \(path)")
            precondition(x.booleans == y.booleans && x.int32s == y.int32s && x.int64s == y.int64s, "values differ in \(path)")
            precondition(x.doubles.map(\.bitPattern) == y.doubles.map(\.bitPattern) && x.byteArrays == y.byteArrays, "values differ in \(path)")
        }
    }
    return 0
}
