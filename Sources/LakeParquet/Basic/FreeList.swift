#if canImport(Glibc)
import Glibc
#endif

/// A bounded, thread-safe stack of things to reuse: buffers whose pages are already faulted in,
/// so a run touches a few blocks' worth of fresh memory instead of its whole input.
package final class FreeList<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private let keep: Int
    private let lock = NSLockLike()

    package init(keep: Int) {
        self.keep = keep
    }

    package func take() -> Element? {
        lock.withLock { items.popLast() }
    }

    /// Keeps `item` for reuse; false when the list is full (the caller then releases it).
    @discardableResult
    package func give(_ item: Element) -> Bool {
        lock.withLock {
            guard items.count < keep else { return false }
            items.append(item)
            return true
        }
    }

    /// Removes and returns everything kept (for an owner that releases memory by hand).
    package func removeAll() -> [Element] {
        lock.withLock {
            defer { items.removeAll() }
            return items
        }
    }
}

/// A pthread mutex (Foundation-free).
package final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    package init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    package func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
