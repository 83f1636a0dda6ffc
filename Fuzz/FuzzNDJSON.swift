// libFuzzer entry point for the NDJSON reader: every input is parsed as one record; the parser
// must never crash, hang or read out of bounds (address sanitizer), whatever the bytes.
// Built by scripts/fuzz.sh with `swiftc -sanitize=fuzzer,address` from the LakeJSON sources.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNDJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var parser = JSONParser(limits: JSONLimits(maxDepth: 200, maxNumberLength: 256))
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    do {
        try parser.parse(bytes)
        // A parsed tape must be internally consistent: containers link to their ends.
        let tape = parser.tape
        for (i, token) in tape.tokens.enumerated() where token.kind == .objectStart || token.kind == .arrayStart {
            let end = Int(token.payload)
            precondition(end > i && end < tape.tokens.count, "container end out of range")
            precondition(Int(tape.tokens[end].payload) == i, "container ends do not link back")
        }
        for i in tape.tokens.indices where tape.tokens[i].kind == .string || tape.tokens[i].kind == .key {
            _ = tape.withText(of: i, source: bytes) { String(validating: $0, as: UTF8.self)! }
        }
    } catch {
        precondition(error.offset >= 0 && error.offset <= size, "error offset out of range")
    }
    return 0
}
