import ArgumentParser
import LakeConv

struct InferSchema: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer-schema",
        abstract: "Print the schema lakeconv infers, with the Athena/Glue type and statistics per field.",
        discussion: """
            The output is the --schema file format: edit it and pass it back with \
            `ndjson-to-parquet --schema FILE` to fix types.

            Example:
              lakeconv infer-schema events.ndjson > schema.json
            """)

    @Argument(help: "NDJSON files, folders, glob patterns, or - for standard input.")
    var inputs: [String]

    @Option(help: "Infer from the first N records only.")
    var sample: Int?

    @Option(name: .customLong("timestamp-unit"), help: "Unit of timestamp columns: ms or us.")
    var timestampUnit: String = "ms"

    @Flag(name: .customLong("infer-uuid"), help: "String columns whose every value is 8-4-4-4-12 UUID text are typed uuid.")
    var inferUUID = false

    @Option(name: .customLong("big-integers"), help: "Columns with integers beyond int64: double, decimal (decimal(38,0)) or string, as ndjson-to-parquet --big-integers.")
    var bigIntegers: String = "double"

    func validate() throws {
        guard BigIntegerPolicy(rawValue: bigIntegers) != nil else { throw ValidationError("--big-integers must be double, decimal or string") }
    }

    func run() throws {
        var options = ConversionOptions(inputs: inputs, output: "-")
        options.sampleRecords = sample
        options.collectExamples = true
        options.inference.timestampUnit = timestampUnit == "us" ? .micros : .millis
        options.inference.detectsUUIDs = inferUUID
        options.inference.bigIntegers = BigIntegerPolicy(rawValue: bigIntegers)!
        let converter = Converter(options)
        let paths = try InputExpansion.expand(inputs)
        let evidence = try converter.inferSchema(paths: paths)
        let resolved = try evidence.resolve(options.inference, inputNames: paths)
        print(SchemaText.render(resolved, evidence: evidence), terminator: "")
    }
}
