#if canImport(Glibc)
import Glibc
#endif
import LakeParquet

/// A growable buffer of plain values with no copy-on-write: appending costs a compare and a store,
/// with no uniqueness check and no reference counting. Owned by one `LeafColumns`, used by one
/// thread; its memory is freed by its owner.
struct GrowableBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>
    var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = Swift.max(16, capacity)
        base = malloc(self.capacity * MemoryLayout<Element>.stride)!.assumingMemoryBound(to: Element.self)
    }

    @inline(__always)
    mutating func append(_ element: Element) {
        if count == capacity { grow(to: count + 1) }
        base[count] = element
        count &+= 1
    }

    @inline(never)
    mutating func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        guard let moved = realloc(base, newCapacity * MemoryLayout<Element>.stride) else {
            fatalError("out of memory growing a column buffer to \(newCapacity * MemoryLayout<Element>.stride) bytes")
        }
        base = moved.assumingMemoryBound(to: Element.self)
        capacity = newCapacity
    }

    var elements: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: base, count: count) }

    /// A copy as an array (one memcpy).
    func array() -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { buffer.baseAddress!.update(from: base, count: count) }
            initialized = count
        }
    }

    /// Frees the memory (the owner calls this once).
    func deallocate() { free(base) }
}

extension GrowableBuffer where Element == UInt8 {
    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        if count &+ n > capacity { grow(to: count + n) }
        if n > 0 { memcpy(base + count, bytes.baseAddress!, n) }
        count &+= n
    }

    /// Appends `n` bytes at `source` when 16 bytes there are readable: a run of at most 16 is
    /// copied as one 16-byte vector (the bytes past `n` land in spare capacity and are not
    /// counted), a longer one by `memcpy`. Most string values are short: no call for them.
    @inline(__always)
    mutating func appendRun(_ source: UnsafeRawPointer, count n: Int) {
        if count &+ 16 > capacity || count &+ n > capacity { grow(to: count + Swift.max(n, 16)) }
        if n <= 16 {
            UnsafeMutableRawPointer(base + count).storeBytes(of: source.loadUnaligned(as: SIMD16<UInt8>.self), as: SIMD16<UInt8>.self)
        } else {
            memcpy(base + count, source, n)
        }
        count &+= n
    }

    /// Appends the `n` bytes `fill` writes at the end, kept only when it returns true.
    @inline(__always)
    mutating func append(count n: Int, _ fill: (UnsafeMutableRawPointer) -> Bool) -> Bool {
        if count &+ n > capacity { grow(to: count + n) }
        guard fill(UnsafeMutableRawPointer(base + count)) else { return false }
        count &+= n
        return true
    }
}

/// The values and levels of every leaf column while records are appended: the column builder's
/// scratch storage, turned into `ColumnBuffer`s (one copy per column) when a batch is taken.
///
/// Values are kept by width: 8-byte words for INT64/DOUBLE (bit patterns), INT32 and BOOLEAN
/// (narrowed when taken); bytes and offsets for BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY.
final class LeafColumns {
    struct Leaf {
        /// Definition levels. A leaf with no repetition levels keeps only a prefix: the entries
        /// after `definitions.count` are present values (`maxDefinition`), written out when a
        /// lower level (a null) comes or the column is taken. Most values are present, and they
        /// then cost no store here.
        var definitions = GrowableBuffer<Int16>()
        var repetitions = GrowableBuffer<Int16>()
        var words = GrowableBuffer<UInt64>()
        var bytes = GrowableBuffer<UInt8>(capacity: 1024)
        /// End offset of each byte-array value (the start of the first is 0).
        var ends = GrowableBuffer<UInt32>()
        /// Entries (values, nulls, empty-list markers).
        var entries = 0
        let hasDefinitions: Bool
        let hasRepetitions: Bool
        /// `hasDefinitions && !hasRepetitions`: trailing present entries are implied.
        let impliesPresent: Bool
        let maxDefinition: Int16

        init(_ descriptor: ColumnDescriptor) {
            hasDefinitions = descriptor.maxDefinitionLevel > 0
            hasRepetitions = descriptor.maxRepetitionLevel > 0
            impliesPresent = hasDefinitions && !hasRepetitions
            maxDefinition = Int16(descriptor.maxDefinitionLevel)
        }

        @inline(__always)
        mutating func appendLevels(repetition: Int16, definition: Int16) {
            if impliesPresent {
                if definition != maxDefinition { appendLowerDefinition(definition) }
            } else {
                if hasDefinitions { definitions.append(definition) }
                if hasRepetitions { repetitions.append(repetition) }
            }
            entries &+= 1
        }

        /// Writes out the implied present entries, then `definition` (below the maximum).
        @inline(never)
        private mutating func appendLowerDefinition(_ definition: Int16) {
            writeImpliedDefinitions()
            definitions.append(definition)
        }

        /// Writes out the implied present entries: afterwards `definitions` has one per entry.
        mutating func writeImpliedDefinitions() {
            let implied = impliesPresent ? entries - definitions.count : 0
            guard implied > 0 else { return }
            if definitions.count + implied > definitions.capacity { definitions.grow(to: definitions.count + implied) }
            (definitions.base + definitions.count).initialize(repeating: maxDefinition, count: implied)
            definitions.count += implied
        }

        /// Closes a byte-array value whose bytes were appended.
        @inline(__always)
        mutating func endValue() {
            precondition(bytes.count <= Int(UInt32.max), "a column buffer holds at most 4 GiB")
            ends.append(UInt32(truncatingIfNeeded: bytes.count))
        }

        /// Sizes to roll back to.
        struct Mark {
            var definitions, repetitions, words, bytes, ends, entries: Int
        }

        var mark: Mark {
            Mark(definitions: definitions.count, repetitions: repetitions.count, words: words.count, bytes: bytes.count, ends: ends.count, entries: entries)
        }

        mutating func truncate(to mark: Mark) {
            definitions.count = mark.definitions
            repetitions.count = mark.repetitions
            words.count = mark.words
            bytes.count = mark.bytes
            ends.count = mark.ends
            entries = mark.entries
        }

        mutating func reset() {
            truncate(to: Mark(definitions: 0, repetitions: 0, words: 0, bytes: 0, ends: 0, entries: 0))
        }

        var estimatedByteSize: Int {
            ((hasDefinitions ? entries : 0) + repetitions.count) * 2 + words.count * 8 + bytes.count + ends.count * 4
        }
    }

    let descriptors: [ColumnDescriptor]
    let leaves: UnsafeMutablePointer<Leaf>
    /// The builder's per-object-node key slots (tape index of each child's value, -1: absent).
    let slots: UnsafeMutablePointer<Int>

    init(_ descriptors: [ColumnDescriptor], slotCount: Int) {
        self.descriptors = descriptors
        slots = .allocate(capacity: Swift.max(1, slotCount))
        slots.initialize(repeating: -1, count: Swift.max(1, slotCount))
        leaves = .allocate(capacity: Swift.max(1, descriptors.count))
        for (i, d) in descriptors.enumerated() { (leaves + i).initialize(to: Leaf(d)) }
    }

    deinit {
        for i in descriptors.indices {
            leaves[i].definitions.deallocate()
            leaves[i].repetitions.deallocate()
            leaves[i].words.deallocate()
            leaves[i].bytes.deallocate()
            leaves[i].ends.deallocate()
        }
        leaves.deinitialize(count: descriptors.count)
        leaves.deallocate()
        slots.deallocate()
    }

    /// Appends every column to `batch` (one copy per array), leaving the storage as it is.
    func append(to batch: inout ColumnBatch, rows: Int) {
        for i in descriptors.indices {
            leaves[i].writeImpliedDefinitions()
            let leaf = leaves[i]
            // An empty column with no storage takes an exact-size copy; one with storage kept
            // from an earlier batch (`OutputWriter.spareBatch`) is appended to, in place.
            if batch.columns[i].levelCount == 0 && !batch.columns[i].hasStorage {
                batch.columns[i] = columnBuffer(i)
                continue
            }
            Self.append(leaf, descriptors[i], to: &batch.columns[i])
        }
        batch.rowCount += rows
    }

    private static func append(_ leaf: Leaf, _ descriptor: ColumnDescriptor, to column: inout ColumnBuffer) {
                if leaf.hasDefinitions { column.definitionLevels.append(contentsOf: leaf.definitions.elements) }
                if leaf.hasRepetitions { column.repetitionLevels.append(contentsOf: leaf.repetitions.elements) }
                let words = leaf.words.elements
                switch descriptor.physicalType {
                case .boolean: column.booleans.append(contentsOf: words.lazy.map { $0 != 0 })
                case .int32: column.int32s.append(contentsOf: words.lazy.map { Int32(truncatingIfNeeded: $0) })
                case .float: column.floats.append(contentsOf: words.lazy.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) })
                case .int64: words.withMemoryRebound(to: Int64.self) { column.int64s.append(contentsOf: $0) }
                case .double: words.withMemoryRebound(to: Double.self) { column.doubles.append(contentsOf: $0) }
                case .byteArray, .fixedLenByteArray:
                    let base = UInt32(column.byteArrays.bytes.count)
                    precondition(Int(base) + leaf.bytes.count <= Int(UInt32.max), "a column buffer holds at most 4 GiB")
                    column.byteArrays.bytes.append(contentsOf: leaf.bytes.elements)
                    // The block's end offsets, shifted past the bytes already in the column.
                    let ends = leaf.ends.elements
                    let start = column.byteArrays.offsets.count
                    column.byteArrays.offsets.append(contentsOf: repeatElement(0, count: ends.count))
                    column.byteArrays.offsets.withUnsafeMutableBufferPointer { offsets in
                        for k in 0..<ends.count { offsets[start &+ k] = ends[k] &+ base }
                    }
                case .int96:
                    preconditionFailure("the column builder does not write \(descriptor.physicalType)")
                }
                column.levelCount += leaf.entries
    }

    /// Column `i` as a `ColumnBuffer` (copied), leaving the storage as it is.
    func columnBuffer(_ i: Int) -> ColumnBuffer {
        leaves[i].writeImpliedDefinitions()
        let leaf = leaves[i]
        var column = ColumnBuffer(descriptors[i])
        if leaf.hasDefinitions { column.definitionLevels = leaf.definitions.array() }
        if leaf.hasRepetitions { column.repetitionLevels = leaf.repetitions.array() }
        let words = leaf.words.elements
        switch descriptors[i].physicalType {
        case .boolean: column.booleans = words.map { $0 != 0 }
        case .int32: column.int32s = words.map { Int32(truncatingIfNeeded: $0) }
        case .float: column.floats = words.map { Float(bitPattern: UInt32(truncatingIfNeeded: $0)) }
        case .int64: column.int64s = [Int64](unsafeUninitializedCapacity: words.count) { buffer, n in
                if words.count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: words.baseAddress!, byteCount: words.count * 8) }
                n = words.count
            }
        case .double: column.doubles = [Double](unsafeUninitializedCapacity: words.count) { buffer, n in
                if words.count > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: words.baseAddress!, byteCount: words.count * 8) }
                n = words.count
            }
        case .byteArray, .fixedLenByteArray:
            column.byteArrays.bytes = leaf.bytes.array()
            column.byteArrays.offsets = [UInt32](unsafeUninitializedCapacity: leaf.ends.count + 1) { buffer, n in
                buffer[0] = 0
                if leaf.ends.count > 0 { (buffer.baseAddress! + 1).update(from: leaf.ends.base, count: leaf.ends.count) }
                n = leaf.ends.count + 1
            }
        case .int96:
            preconditionFailure("the column builder does not write \(descriptors[i].physicalType)")
        }
        column.levelCount = leaf.entries
        return column
    }
}
