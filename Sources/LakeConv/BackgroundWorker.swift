import Dispatch
import LakeParquet

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

/// Runs the jobs that write batches on a `BackgroundWorker` and takes each batch back once
/// written, emptied with its capacity kept, for the caller's next one: the arrays' pages stay
/// mapped and faulted in, instead of every row group mapping and faulting in fresh memory
/// (measured at 1 GB: most of a conversion's page faults, and 15% of its CPU).
final class BatchRecycler: @unchecked Sendable {
    private let spare = FreeList<ColumnBatch>(keep: 1)

    /// Runs `write` on the batch, then keeps the batch for `spareBatch`. An array `write` still
    /// shares when it returns (a writer that buffers it) is not reused, only replaced.
    func submit(
        _ batch: consuming ColumnBatch, on worker: BackgroundWorker,
        _ write: @escaping @Sendable (ColumnBatch) throws(ConversionError) -> Void
    ) throws(ConversionError) {
        let box = Box(batch)
        try worker.submit { [self] () throws(ConversionError) in
            var batch = box.take()
            try write(batch)
            for i in batch.columns.indices { batch.columns[i].removeAll(keepingCapacity: true) }
            batch.rowCount = 0
            spare.give(batch)
        }
    }

    /// An empty batch whose arrays keep the capacity of one written before, if there is one.
    /// Taken after `submit` returns (the previous job has finished), at most two batches' arrays
    /// exist: the one being filled and the one being written.
    func spareBatch() -> ColumnBatch? { spare.take() }

    /// Moves a batch into the job that writes it, so the job holds its only reference.
    private final class Box: @unchecked Sendable {
        private var batch: ColumnBatch?
        init(_ batch: consuming ColumnBatch) { self.batch = batch }
        func take() -> ColumnBatch { batch.take()! }
    }
}
