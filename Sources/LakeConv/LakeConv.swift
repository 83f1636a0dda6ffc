@_exported import LakeCompression
@_exported import LakeJSON
@_exported import LakeCatalog
@_exported import LakeParquet

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
}
