/// A bounded, thread-safe stack of things to reuse: buffers whose pages are already faulted in,
/// so a run touches a few blocks' worth of fresh memory instead of its whole input.
final class FreeList<Element>: @unchecked Sendable {
    private var items: [Element] = []
    private let keep: Int
    private let lock = NSLockLike()

    init(keep: Int) {
        self.keep = keep
    }

    func take() -> Element? {
        lock.withLock { items.popLast() }
    }

    /// Keeps `item` for reuse; false when the list is full (the caller then releases it).
    @discardableResult
    func give(_ item: Element) -> Bool {
        lock.withLock {
            guard items.count < keep else { return false }
            items.append(item)
            return true
        }
    }

    /// Removes and returns everything kept (for an owner that releases memory by hand).
    func removeAll() -> [Element] {
        lock.withLock {
            defer { items.removeAll() }
            return items
        }
    }
}
