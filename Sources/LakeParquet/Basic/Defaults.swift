/// Every default of the writer, as a named constant with the reason it has that value.
public enum ParquetDefaults {
    /// Target size of a data page before compression. 1 MiB is what parquet-mr, arrow and DuckDB use.
    public static let dataPageSize = 1 << 20
    /// Row groups are cut when their buffered, uncompressed size reaches this (parquet-mr's block size).
    public static let rowGroupSize = 128 << 20
    /// Upper bound on rows per row group, whatever their size.
    public static let rowGroupRowLimit = 64 * 1024 * 1024
    /// A dictionary whose PLAIN-encoded size passes this is abandoned for the chunk (arrow's default).
    public static let dictionaryPageSizeLimit = 1 << 20
    /// At most this many distinct values in a dictionary.
    public static let dictionaryEntryLimit = 1 << 16
    /// Byte-array min/max statistics longer than this are truncated and flagged inexact (arrow: 64).
    public static let statisticsTruncateLength = 64
    /// Leading text of `created_by`: readers (parquet-mr, arrow) parse `<name> version <x.y.z>`.
    public static let createdBy = "lakeconv version \(LakeParquetVersion.string)"
}

/// The version stamped into `created_by`.
public enum LakeParquetVersion {
    public static let string = "0.1.0"
}
