import ArgumentParser
import LakeConv

@main
struct Lakeconv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lakeconv",
        abstract: "NDJSON to partitioned, Snappy-compressed Apache Parquet.",
        version: "lakeconv \(LakeConv.version)")
}
