import Dispatch

/// Runs jobs one at a time on a background thread, with at most one job waiting, and keeps the
/// first failure for the submitter to see. Disabled, it runs each job on the caller's thread.
/// Used by the file writers so encoding overlaps parsing while memory stays bounded.
final class BackgroundWorker: @unchecked Sendable {
    private let enabled: Bool
    private let queue: DispatchQueue
    private let slots = DispatchSemaphore(value: 1)
    private let lock = NSLockLike()
    private var failure: ConversionError?

    init(label: String, enabled: Bool) {
        self.enabled = enabled
        queue = DispatchQueue(label: label)
    }

    /// Runs `job` (in the background when enabled, after the previous job finished).
    func submit(_ job: @escaping @Sendable () throws(ConversionError) -> Void) throws(ConversionError) {
        try checkFailure()
        guard enabled else {
            try job()
            return
        }
        slots.wait()
        try checkFailure()
        queue.async { [self] in
            defer { slots.signal() }
            do throws(ConversionError) { try job() } catch { lock.withLock { if failure == nil { failure = error } } }
        }
    }

    /// Waits until every submitted job has run.
    func drain() {
        if enabled { queue.sync {} }
    }

    func checkFailure() throws(ConversionError) {
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}
