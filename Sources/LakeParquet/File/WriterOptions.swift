/// Data page format. v1 is read everywhere; v2 keeps levels uncompressed and lets readers skip them.
public enum DataPageVersion: Sendable, Hashable {
    case v1
    case v2
}

/// Everything the writer lets a caller choose. Defaults are the named constants of `ParquetDefaults`.
public struct WriterOptions: Sendable {
    /// Page codec; the writer is handed a `PageCompressor` for it.
    public var compression: CompressionCodec = .snappy
    /// A page the codec would shrink by less than an eighth (judged on its first 64 KiB) is
    /// stored in the codec's literal form, which readers copy (Snappy only; others compress every
    /// page). Off by default: such pages are up to an eighth larger, and bytes scanned are billed.
    public var storeIncompressiblePages = false
    public var dataPageVersion: DataPageVersion = .v1
    /// Target size of a data page's levels and values before compression.
    public var dataPageSize = ParquetDefaults.dataPageSize
    /// A row group is cut when its buffered uncompressed size reaches this many bytes.
    public var rowGroupSize = ParquetDefaults.rowGroupSize
    /// …or when it holds this many rows.
    public var rowGroupRowLimit = ParquetDefaults.rowGroupRowLimit
    /// Try RLE_DICTIONARY for every column except booleans.
    public var dictionaryEnabled = true
    public var dictionaryPageSizeLimit = ParquetDefaults.dictionaryPageSizeLimit
    public var dictionaryEntryLimit = ParquetDefaults.dictionaryEntryLimit
    /// Allow DELTA_BINARY_PACKED for INT32/INT64 columns where it is smaller than PLAIN.
    public var deltaEncodingEnabled = true
    public var statisticsTruncateLength = ParquetDefaults.statisticsTruncateLength
    public var keyValueMetadata: [KeyValue] = []
    /// Encode a row group's column chunks on this many threads (1: on the calling thread).
    public var encodingThreads = 1
    public var createdBy = ParquetDefaults.createdBy

    public init() {}
}
