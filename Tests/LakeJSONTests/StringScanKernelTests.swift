import LakeJSON
import LakeTestSupport
import Testing

/// The string-scan kernels against a byte-by-byte reference: every variant must stop at the first
/// byte a JSON string body cannot hold as is ('"', '\', < 0x20, ≥ 0x80), or, finding none, no
/// earlier than its block width allows.
@Suite struct StringScanKernelTests {
    struct Kernel: CustomStringConvertible, Sendable {
        let description: String
        /// Bytes each step reads: a result with no special byte is within this of the end.
        let width: Int
        let run: @Sendable (UnsafeRawPointer, Int, Int) -> Int
    }

    static let kernels = [
        Kernel(description: "skipPlain (vectors, then words)", width: 8) { JSONStringScan.skipPlain($0, from: $1, count: $2) },
        Kernel(description: "skipPlainVectors (16 bytes)", width: 16) { JSONStringScan.skipPlainVectors($0, from: $1, count: $2) },
        Kernel(description: "skipPlainWords (SWAR, 8 bytes)", width: 8) { JSONStringScan.skipPlainWords($0, from: $1, count: $2) },
    ]

    static func isSpecial(_ byte: UInt8) -> Bool { byte == 0x22 || byte == 0x5C || byte < 0x20 || byte >= 0x80 }

    /// Checks one call; nil when the result is right.
    static func check(_ kernel: Kernel, _ bytes: [UInt8], from start: Int) -> String? {
        let result = bytes.withUnsafeBytes { kernel.run($0.baseAddress!, start, bytes.count) }
        guard result >= start, result <= bytes.count else { return "\(result) outside \(start)...\(bytes.count)" }
        if let skipped = (start..<result).first(where: { isSpecial(bytes[$0]) }) { return "skipped special byte \(bytes[skipped]) at \(skipped), stopped at \(result)" }
        if result < bytes.count && isSpecial(bytes[result]) { return nil }
        guard result + kernel.width > bytes.count else { return "stopped at plain byte \(bytes[result]) at \(result) with \(bytes.count - result) bytes left" }
        return nil
    }

    @Test("every special byte value at every position of a 40-byte run", arguments: kernels)
    func everyByteEveryPosition(_ kernel: Kernel) {
        for special in (0...255).map(UInt8.init) where Self.isSpecial(special) {
            for position in 0..<40 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 40)
                bytes[position] = special
                for start in [0, 1, 7] where start <= position {
                    let problem = Self.check(kernel, bytes, from: start)
                    #expect(problem == nil, "byte \(special) at \(position), start \(start): \(problem ?? "")")
                }
            }
        }
    }

    @Test("every plain byte value is skipped", arguments: kernels)
    func plainBytes(_ kernel: Kernel) {
        for plain in (0...255).map(UInt8.init) where !Self.isSpecial(plain) {
            var bytes = [UInt8](repeating: plain, count: 48)
            bytes[40] = UInt8(ascii: "\"")
            #expect(Self.check(kernel, bytes, from: 0) == nil, "plain byte \(plain)")
            #expect(bytes.withUnsafeBytes { kernel.run($0.baseAddress!, 0, 48) } == 40, "plain byte \(plain)")
        }
    }

    @Test("random buffers, lengths and starts", arguments: kernels)
    func random(_ kernel: Kernel) {
        var rng = SplitMix64(seed: 0x5EED_5CA1)
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 80)
            // Mostly plain text, a special byte now and then.
            let bytes = (0..<count).map { _ -> UInt8 in
                let r = rng.next()
                return r % 23 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : UInt8(0x20 + (r >> 16) % 0x5F)
            }
            let start = count == 0 ? 0 : Int(rng.next() % UInt64(count + 1))
            let problem = Self.check(kernel, bytes, from: start)
            #expect(problem == nil, "\(bytes) from \(start): \(problem ?? "")")
            if problem != nil { return }
        }
    }
}
