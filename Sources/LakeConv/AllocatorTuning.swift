import CLakeSystem

/// Process-wide glibc malloc settings that conversions are measured with. The `lakeconv`
/// executable (and `lakeconv-bench`) apply them at start; library users opt in by calling
/// `applyForConversions()` or keep their own allocator settings.
///
/// glibc raises its mmap threshold (up to 32 MiB) each time a large block is freed, after which
/// multi-megabyte column buffers come from the heap and are not returned to the system: with
/// buffers allocated on one thread and freed on another, peak RSS at 1 GB of input grew to
/// 1.4-1.9 GB. A fixed 1 MiB threshold maps large buffers individually (returned on free) and
/// two arenas bound per-thread heaps. Fixing the mmap threshold also fixes the trim threshold at
/// 128 KiB, so the heap was shrunk and re-grown (its pages faulted again) for every block: a
/// 64 MiB trim threshold keeps it (system time at one thread for 1 GB: 1.6 s -> 0.6 s).
public enum AllocatorTuning {
    public static let mmapThreshold: Int32 = 1 << 20
    public static let arenas: Int32 = 2
    public static let trimThreshold: Int32 = 64 << 20

    /// Applies the settings; false where the C library refused one (other platforms: no effect).
    @discardableResult
    public static func applyForConversions() -> Bool {
        lake_tune_allocator(mmapThreshold, arenas, trimThreshold) == 1
    }
}
