#if canImport(Glibc)
import Glibc
#endif
@_exported import LakeCompression
@_exported import LakeJSON
@_exported import LakeCatalog
@_exported import LakeParquet
import CLakeSystem

/// The lakeconv library: the ETL entry points on top of the Parquet core.
public enum LakeConv {
    public static let version = LakeParquetVersion.string

    /// Regular input files are memory-mapped. A file that another process truncates while it is
    /// converted then faults (SIGBUS). This installs a SIGBUS handler that prints a clear error
    /// and exits with status 1 (nothing is published; the next run cleans up). The `lakeconv`
    /// executable installs it; a library user decides for their own process (or sets
    /// `LAKECONV_MMAP=off`).
    public static func installInputTruncationHandler() {
        MappedInput.installTruncationHandler()
    }

    /// Makes SIGINT, SIGTERM and SIGHUP stop a conversion cleanly: the first one is recorded,
    /// the conversion stops at its next block and fails with code `interrupted` (its staged
    /// files removed, nothing published), and the caller exits (the `lakeconv` executable with
    /// 128 + the signal's number). A second signal stops the process at once (the next run on
    /// the same target cleans up). The `lakeconv` executable installs it; a library user decides
    /// for their own process.
    public static func installInterruptHandler() {
        _ = lake_install_interrupt_handler()
    }

    /// The first interrupting signal received since `installInterruptHandler` (nil: none).
    public static var interruptSignal: Int32? {
        let signal = lake_interrupt_signal()
        return signal == 0 ? nil : signal
    }

    /// Throws `interrupted` once a signal was received.
    static func checkInterrupt() throws(ConversionError) {
        guard let signal = interruptSignal else { return }
        let name = switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(signal)"
        }
        throw ConversionError(.interrupted, "interrupted by \(name); nothing was published")
    }
}
