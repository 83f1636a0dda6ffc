#if canImport(Glibc)
import Glibc
#endif

/// A regular input file mapped read-only, split into blocks of lines that are views into the
/// mapping: no `read` copy from the page cache and no copy of each line into a block buffer
/// (together about 5% of a one-thread conversion's CPU, measured with perf on the benchmark
/// stream).
///
/// Line semantics are `LineReader`'s, byte for byte: a line ends at each "\n" (the last may lack
/// it); one "\r" before the "\n" is removed; a UTF-8 BOM is removed at offset 0 only; a line
/// longer than the record limit is flagged oversized and only its first
/// `LineReader.oversizedPrefixBytes` bytes are kept. `InputTests` checks both splitters give the
/// same lines.
///
/// Memory: a consumed block's pages are dropped from the process (`MADV_DONTNEED`; the page
/// cache keeps them), so resident memory is the blocks in flight, as with read buffers.
/// The mapping covers the file's size when it was opened. A file truncated by another process
/// while it is read faults (SIGBUS): `LakeConv.installInputTruncationHandler()` (installed by the
/// executable) turns that into a clear message and exit status 1; nothing is published (staged
/// output is cleaned by the next run).
final class MappedInput: @unchecked Sendable {
    let path: String
    let base: UnsafeRawPointer
    let size: Int
    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Nil when `path` is not a non-empty regular file that can be mapped (then the caller reads
    /// it with `read`; errors such as a missing file are reported there).
    init?(path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0 else { return nil }
        let size = Int(status.st_size)
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else { return nil }
        _ = madvise(mapped, size, MADV_SEQUENTIAL)
        self.path = path
        base = UnsafeRawPointer(mapped)
        self.size = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    /// Drops the pages of `range` from the process (they are read again if touched: the mapping
    /// is private and never written, so a page shared with a neighbouring block is safe to drop).
    func release(_ range: Range<Int>) {
        let first = range.lowerBound / Self.pageSize * Self.pageSize
        let end = min(size, (range.upperBound + Self.pageSize - 1) / Self.pageSize * Self.pageSize)
        guard end > first else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + first), end - first, MADV_DONTNEED)
    }

    /// Splits the file into blocks of about `blockBytes` (a line is never split), numbering
    /// lines from 1, and hands each block to `emit` in order.
    func split(
        input: Int, sequence: inout Int, maxRecordBytes: Int, blockBytes: Int, _ emit: (LineBlock) throws(ConversionError) -> Void
    ) throws(ConversionError) {
        var position = 0
        var lineNumber = 0
        var blockLineBytes = 0
        var capacity = blockBytes
        var block = LineBlock(sequence: sequence, input: input, mapped: self, from: 0)
        sequence += 1
        while position < size {
            let lineEnd: Int
            let next: Int
            if let hit = memchr(base + position, 0x0A, size - position) {
                lineEnd = base.distance(to: UnsafeRawPointer(hit))
                next = lineEnd + 1
            } else {
                lineEnd = size
                next = size
            }
            lineNumber += 1
            let (first, last) = LineReader.recordBounds(base, from: position, to: lineEnd, atInputStart: position == 0)
            var count = last - first
            let oversized = count > maxRecordBytes
            if oversized { count = min(count, LineReader.oversizedPrefixBytes) }
            // Blocks are cut where `BlockReader` cuts a read input: before a line whose bytes would
            // not fit the block's capacity (`blockBytes`, or the first line's size when that is
            // larger). Same blocks, same row groups.
            if blockLineBytes + count > capacity {
                if block.lines.isEmpty {
                    capacity = count
                } else {
                    block.finishMapped(at: position)
                    block.inputBytesConsumed = position
                    let previousLines = block.lines.count
                    try emit(block)
                    block = LineBlock(sequence: sequence, input: input, mapped: self, from: position, expectedLines: previousLines + previousLines / 8 + 16)
                    sequence += 1
                    blockLineBytes = 0
                    capacity = max(blockBytes, count)
                }
            }
            block.appendMapped(
                LineBlock.Line(start: first, count: count, number: lineNumber, offset: position, originalLength: lineEnd - position, oversized: oversized))
            blockLineBytes += count
            position = next
        }
        block.finishMapped(at: size)
        block.endOfInput = true
        block.inputBytesConsumed = size
        try emit(block)
    }

    /// Whether inputs are mapped: on unless `LAKECONV_MMAP=off` (to measure the difference, or
    /// to read inputs that other processes truncate while they are converted).
    static let enabled: Bool = {
        guard let value = getenv("LAKECONV_MMAP") else { return true }
        return String(cString: value) != "off"
    }()

    /// Makes a fault on a mapped input (the file shrank while it was read) print a clear error
    /// and exit with status 1 instead of dying silently on SIGBUS. Installed once, by the
    /// executable, before any input is mapped.
    static func installTruncationHandler() {
        _ = truncationHandlerInstalled
    }

    private static let truncationHandlerInstalled: Bool = {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            // Async-signal-safe: a constant in the binary, write(2) and _exit(2) only.
            let message: StaticString = "lakeconv: error: an input file shrank while it was being read (bus error on its memory mapping); nothing was published. Re-run when the file is complete, or set LAKECONV_MMAP=off to read inputs without mapping them.\n"
            _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
            _exit(1)
        }
        sigemptyset(&action.sa_mask)
        return sigaction(SIGBUS, &action, nil) == 0
    }()
}
