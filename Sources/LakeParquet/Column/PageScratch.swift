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

    /// Scratches for the encoders running at once; at most `keep` of at most `maxBytes` each are
    /// kept between chunks (an outsized page's scratch is released).
    static let pool = Pool(keep: 4, maxBytes: 8 << 20)

    final class Pool: @unchecked Sendable {
        private var items: [PageScratch] = []
        private let keep: Int
        private let maxBytes: Int
        private var mutex = pthread_mutex_t()

        init(keep: Int, maxBytes: Int) {
            self.keep = keep
            self.maxBytes = maxBytes
            pthread_mutex_init(&mutex, nil)
        }

        deinit { pthread_mutex_destroy(&mutex) }

        func take() -> PageScratch {
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            return items.popLast() ?? PageScratch()
        }

        func give(_ scratch: PageScratch) {
            guard scratch.retainedBytes <= maxBytes else { return }
            scratch.body.removeAll(keepingCapacity: true)
            pthread_mutex_lock(&mutex)
            defer { pthread_mutex_unlock(&mutex) }
            if items.count < keep { items.append(scratch) }
        }
    }
}
