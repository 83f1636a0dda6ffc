@_exported import LakeCompression
@_exported import LakeJSON
@_exported import LakeCatalog
@_exported import LakeParquet

/// The lakeconv library: the ETL entry points on top of the Parquet core.
///
/// Until the NDJSON converter lands, this module offers the file sink and a small example table
/// that the quick start writes.
public enum LakeConv {
    public static let version = LakeParquetVersion.string
}
