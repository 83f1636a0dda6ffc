#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import LakeParquet

/// A block of consecutive input lines, copied out of the stream so that workers can parse it
/// while the reader goes on. Line semantics (CRLF, BOM, oversized lines) are `LineReader`'s.
final class LineBlock: @unchecked Sendable {
    struct Line {
        var start: Int
        var count: Int
        var number: Int
        var offset: Int
        var originalLength: Int
        var oversized: Bool
    }

    /// Position in the whole run (blocks are consumed in this order).
    let sequence: Int
    /// Index of the input the lines come from.
    let input: Int
    private(set) var storage: UnsafeMutableRawBufferPointer
    private(set) var used = 0
    private(set) var lines: [Line] = []
    /// The last block of its input (possibly empty); `inputBytesConsumed` is then final.
    var endOfInput = false
    var inputBytesConsumed = 0

    /// Where the storage goes back when the block is done (nil: freed).
    private let pool: BlockStoragePool?
    /// A block of a mapped input: `storage` is a view of the mapping from `mappedStart`, and its
    /// pages are released when the block is done.
    private let mapping: MappedInput?
    private(set) var mappedStart = 0

    init(sequence: Int, input: Int, capacity: Int, pool: BlockStoragePool? = nil) {
        self.sequence = sequence
        self.input = input
        mapping = nil
        if let pool, capacity <= pool.blockBytes {
            storage = pool.take()
            self.pool = pool
        } else {
            storage = .allocate(byteCount: max(capacity, 1), alignment: 64)
            self.pool = nil
        }
    }

    /// A block of lines of `mapped` from byte `from` on (`appendMapped`, then `finishMapped`).
    /// `expectedLines`: room reserved for the line list (the previous block's count), so it is
    /// not copied as it grows.
    init(sequence: Int, input: Int, mapped: MappedInput, from start: Int, expectedLines: Int = 0) {
        self.sequence = sequence
        self.input = input
        pool = nil
        mapping = mapped
        mappedStart = start
        storage = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(mutating: mapped.base + start), count: 0)
        lines.reserveCapacity(expectedLines)
    }

    deinit {
        if let mapping {
            mapping.release(mappedStart..<(mappedStart + storage.count))
        } else if let pool {
            pool.give(storage)
        } else {
            storage.deallocate()
        }
    }

    /// Adds a line of the mapped input; `line.start` is its offset in the file (kept relative to
    /// the block).
    func appendMapped(_ line: Line) {
        var line = line
        line.start -= mappedStart
        lines.append(line)
    }

    /// Ends a mapped block at file offset `end` (the start of the next block).
    func finishMapped(at end: Int) {
        storage = UnsafeMutableRawBufferPointer(start: storage.baseAddress, count: end - mappedStart)
        used = end - mappedStart
    }

    var byteCount: Int { used }

    func fits(_ length: Int) -> Bool { used + length <= storage.count }

    func append(_ line: InputLine) {
        if line.bytes.count > 0 {
            (storage.baseAddress! + used).copyMemory(from: line.bytes.baseAddress!, byteCount: line.bytes.count)
        }
        lines.append(Line(start: used, count: line.bytes.count, number: line.number, offset: line.offset, originalLength: line.originalLength, oversized: line.oversized))
        used += line.bytes.count
    }

    func line(_ i: Int) -> InputLine {
        let l = lines[i]
        return InputLine(
            bytes: UnsafeRawBufferPointer(start: storage.baseAddress! + l.start, count: l.count), number: l.number, offset: l.offset,
            originalLength: l.originalLength, oversized: l.oversized)
    }
}

/// Block storage to reuse: a block's bytes go back here when the block is consumed, so a run
/// touches a few blocks' worth of fresh memory instead of its whole input (every fresh page is
/// a page fault and a zeroing in the kernel).
final class BlockStoragePool: @unchecked Sendable {
    let blockBytes: Int
    private let free: FreeList<UnsafeMutableRawBufferPointer>

    init(blockBytes: Int, keep: Int) {
        self.blockBytes = blockBytes
        free = FreeList(keep: keep)
    }

    deinit { for storage in free.removeAll() { storage.deallocate() } }

    func take() -> UnsafeMutableRawBufferPointer {
        free.take() ?? .allocate(byteCount: blockBytes, alignment: 64)
    }

    func give(_ storage: UnsafeMutableRawBufferPointer) {
        if !free.give(storage) { storage.deallocate() }
    }
}

/// Reads every input into blocks of about `blockBytes`, in order.
enum BlockReader {
    /// `mapInputs`: regular files are mapped (`MappedInput`) rather than read; `.gz` and standard
    /// input are always read.
    static func read(
        paths: [String], maxRecordBytes: Int, blockBytes: Int, mapInputs: Bool = MappedInput.enabled,
        _ emit: (LineBlock) throws(ConversionError) -> Void
    ) throws(ConversionError) {
        var sequence = 0
        let pool = BlockStoragePool(blockBytes: blockBytes, keep: 8)
        for (input, path) in paths.enumerated() {
            if mapInputs, path != "-", !InputExpansion.isGzip(path), let mapped = MappedInput(path: path) {
                try mapped.split(input: input, sequence: &sequence, maxRecordBytes: maxRecordBytes, blockBytes: blockBytes, emit)
                continue
            }
            let reader = LineReader(source: try InputExpansion.open(path), maxRecordBytes: maxRecordBytes)
            var block = LineBlock(sequence: sequence, input: input, capacity: blockBytes, pool: pool)
            sequence += 1
            while let line = try reader.next() {
                if !block.fits(line.bytes.count) && !block.lines.isEmpty {
                    block.inputBytesConsumed = reader.source.bytesConsumed
                    try emit(block)
                    block = LineBlock(sequence: sequence, input: input, capacity: max(blockBytes, line.bytes.count), pool: pool)
                    sequence += 1
                } else if !block.fits(line.bytes.count) {
                    block = LineBlock(sequence: block.sequence, input: input, capacity: line.bytes.count)
                }
                block.append(line)
            }
            block.endOfInput = true
            block.inputBytesConsumed = reader.source.bytesConsumed
            try emit(block)
        }
    }
}

/// Runs `work` on blocks on up to `workers` threads and hands each result to `consume` in block
/// order, on one thread at a time. At most `inFlight` blocks are held. With one worker it runs
/// inline on the caller's thread.
final class OrderedPool<Result>: @unchecked Sendable {
    private let work: @Sendable (LineBlock) -> Result
    private let consume: (LineBlock, Result) throws(ConversionError) -> Void
    private let inline: Bool
    private let workQueue = DispatchQueue(label: "lakeconv.parse", attributes: .concurrent)
    private let consumeQueue = DispatchQueue(label: "lakeconv.consume")
    private let slots: DispatchSemaphore
    private let lock = NSLockLike()
    private var ready: [Int: (LineBlock, Result)] = [:]
    private var next = 0
    private var failure: ConversionError?
    private let group = DispatchGroup()

    init(workers: Int, inFlight: Int, work: @escaping @Sendable (LineBlock) -> Result, consume: @escaping (LineBlock, Result) throws(ConversionError) -> Void) {
        self.work = work
        self.consume = consume
        inline = workers <= 1
        slots = DispatchSemaphore(value: max(inFlight, 1))
    }

    func submit(_ block: LineBlock) throws(ConversionError) {
        if inline {
            try consume(block, work(block))
            return
        }
        slots.wait()
        if let failure = lock.withLock({ failure }) {
            slots.signal()
            throw failure
        }
        group.enter()
        workQueue.async { [self] in
            let result = work(block)
            lock.withLock { ready[block.sequence] = (block, result) }
            consumeQueue.async { [self] in
                drain()
                group.leave()
            }
        }
    }

    private func drain() {
        while let item = lock.withLock({ ready.removeValue(forKey: next) }) {
            next += 1
            if lock.withLock({ failure }) == nil {
                do throws(ConversionError) { try consume(item.0, item.1) } catch { lock.withLock { failure = error } }
            }
            slots.signal()
        }
    }

    /// Waits for every submitted block to be consumed; rethrows the first consumer failure.
    func finish() throws(ConversionError) {
        if inline { return }
        group.wait()
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}
