import ArgumentParser
import LakeConv

/// `--table`, `--location`, `--catalog-out`, `--projection`: shared by `ndjson-to-parquet` and `ddl`.
struct CatalogArguments: ParsableArguments {
    @Option(help: "Glue/Athena table to describe, as DATABASE.TABLE.")
    var table: String?

    @Option(help: "Where the dataset lives for Athena, e.g. s3://bucket/prefix/.")
    var location: String?

    @Option(name: .customLong("catalog-out"), help: "Folder for create-table.sql, add-partitions-NNNN.sql, glue-table.json, glue-partitions-NNNN.json.")
    var catalogOut: String?

    @Flag(help: "Add Athena partition projection properties derived from the partitioning and the data.")
    var projection = false

    func validate() throws {
        let given = [table, location, catalogOut].compactMap { $0 }.count
        guard given == 0 || given == 3 else {
            throw ValidationError("--table, --location and --catalog-out go together")
        }
        if projection && given == 0 { throw ValidationError("--projection needs --table, --location and --catalog-out") }
    }

    func options() throws(ConversionError) -> CatalogOptions? {
        guard let table, let location, let catalogOut else { return nil }
        var options = CatalogOptions(table: table, location: location, outputFolder: catalogOut)
        options.projection = projection
        return options
    }
}

struct DDL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ddl",
        abstract: "Write Athena DDL and Glue API JSON for a dataset lakeconv wrote (from its _SUCCESS manifest).",
        discussion: """
            Example:
              lakeconv ddl lake/events/ --table analytics.events --location s3://bucket/events/ --catalog-out catalog/
              aws glue create-table --database-name analytics --table-input file://catalog/glue-table.json
              aws glue batch-create-partition --database-name analytics --table-name events \\
                  --partition-input-list file://catalog/glue-partitions-0001.json
            """)

    @Argument(help: "The dataset folder, or its _SUCCESS manifest.")
    var dataset: String

    @OptionGroup var catalog: CatalogArguments

    func validate() throws {
        guard catalog.table != nil, catalog.location != nil, catalog.catalogOut != nil else {
            throw ValidationError("ddl needs --table, --location and --catalog-out")
        }
    }

    func run() throws {
        let description = try DatasetDescription.load(manifest: dataset)
        let notes = try description.emit(try catalog.options()!)
        for note in notes { FileHandleLike.standardError.write("lakeconv: catalog: \(note)\n") }
        print("lakeconv: wrote \(description.partitions.count) partitions' registrations to \(catalog.catalogOut!)")
    }
}
