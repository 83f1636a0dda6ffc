#if canImport(Glibc)
import Glibc
#endif

/// Memory a column-chunk encoder reuses from page to page and from chunk to chunk: the page body
/// being built and the compressed page. Kept in a small process-wide pool, so a write touches
/// these pages once instead of mapping, faulting in and zero-filling fresh megabytes for every
/// page (before this, the compressed-page buffer alone was 40% of a conversion's page faults).
final class PageScratch: @unchecked Sendable {
    /// The page body (levels and values, uncompressed).
    var body = ByteWriter()
    /// Header-less page bytes after compression: the v2 levels, then the compressed rest.
    private(set) var compressed = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    /// `compressed` with room for at least `count` bytes (its contents are not kept).
    func reserveCompressed(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if compressed.count < count {
            free(compressed.baseAddress)
            let size = max(count, compressed.count * 2, 64 << 10)
            guard let memory = malloc(size) else { fatalError("out of memory reserving a \(size)-byte page buffer") }
            compressed = UnsafeMutableRawBufferPointer(start: memory, count: size)
        }
        return compressed
    }

    /// Bytes held, to decide whether to keep it.
    var retainedBytes: Int { body.bytes.capacity + compressed.count }

    deinit { free(compressed.baseAddress) }

    /// Scratches for the encoders running at once: at most 4 are kept between chunks, each of at
    /// most `maxKeptBytes` (an outsized page's scratch is released).
    private static let pool = FreeList<PageScratch>(keep: 4)
    static let maxKeptBytes = 8 << 20

    /// A kept scratch, or a new one.
    static func take() -> PageScratch { pool.take() ?? PageScratch() }

    /// Keeps `scratch` for the next chunk, if it is not outsized and the pool has room.
    static func give(_ scratch: PageScratch) {
        guard scratch.retainedBytes <= maxKeptBytes else { return }
        scratch.body.removeAll(keepingCapacity: true)
        pool.give(scratch)
    }
}
