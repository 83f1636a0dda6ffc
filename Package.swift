// swift-tools-version: 6.2
//
// lakeconv: NDJSON → partitioned, Snappy-compressed Apache Parquet, with the Glue/Athena catalog side.
//
// Module graph (each module has one job; see README "Architecture"):
//
//   LakeKernels      hot loops (bit packing, run detection, min/max), scalar reference beside each fast one
//   LakeParquet      the Parquet format core: schema, Thrift compact metadata, encoders, pages, file assembly.
//                    Knows nothing of JSON or files; writes to a `ByteSink`.
//   LakeJSON         strict NDJSON record parsing into a flat tape (no Foundation, no I/O)
//   LakeCompression  page codecs over libsnappy, zlib and libzstd (system-library targets)
//   LakeCatalog      Athena DDL and Glue API JSON for tables and partitions (pure; no network)
//   LakeConv         the ETL library API on top (NDJSON conversion lands here)
//   LakeConvCLI      the `lakeconv` executable: maps options, nothing else
//
// No `unsafeFlags` here: they would break use of this package as a dependency. Tuning flags for
// benchmarks live in the benchmark script.
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "lakeconv",
    products: [
        .library(name: "LakeParquet", targets: ["LakeParquet"]),
        .library(name: "LakeCompression", targets: ["LakeCompression"]),
        .library(name: "LakeJSON", targets: ["LakeJSON"]),
        .library(name: "LakeCatalog", targets: ["LakeCatalog"]),
        .library(name: "LakeConv", targets: ["LakeConv"]),
        .executable(name: "lakeconv", targets: ["LakeConvCLI"]),
        .executable(name: "lakeconv-bench", targets: ["LakeConvBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CSnappy", pkgConfig: "snappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        .target(name: "CLakeSystem"),
        .target(name: "LakeKernels", swiftSettings: strictSettings),
        .target(name: "LakeParquet", dependencies: ["LakeKernels"], swiftSettings: strictSettings),
        .target(name: "LakeJSON", dependencies: ["LakeKernels"], swiftSettings: strictSettings),
        .target(
            name: "LakeCompression",
            dependencies: ["LakeParquet", "CSnappy", "CZlib", "CZstd"],
            swiftSettings: strictSettings
        ),
        .target(name: "LakeCatalog", dependencies: ["LakeParquet"], swiftSettings: strictSettings),
        .target(
            name: "LakeConv",
            dependencies: ["LakeParquet", "LakeCompression", "LakeJSON", "LakeCatalog", "CZlib", "CLakeSystem"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "LakeConvCLI",
            dependencies: [
                "LakeConv",
                "CLakeSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // Stage micro-benchmarks (Benchmarks/Stages): `swift build -c release --product lakeconv-bench`.
        .executableTarget(
            name: "LakeConvBench",
            dependencies: ["LakeConv", "LakeParquet", "LakeJSON", "LakeCompression", "CSnappy"],
            path: "Benchmarks/Stages",
            swiftSettings: strictSettings
        ),

        .target(name: "LakeTestSupport", path: "Tests/LakeTestSupport", swiftSettings: strictSettings),
        .testTarget(name: "LakeKernelsTests", dependencies: ["LakeKernels", "LakeTestSupport"], swiftSettings: strictSettings),
        .testTarget(
            name: "LakeParquetTests",
            dependencies: ["LakeParquet", "LakeCompression", "LakeKernels", "CSnappy"],
            swiftSettings: strictSettings
        ),
        .testTarget(name: "LakeJSONTests", dependencies: ["LakeJSON", "LakeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "LakeConvTests", dependencies: ["LakeConv", "LakeTestSupport"], swiftSettings: strictSettings),
        .testTarget(name: "LakeCatalogTests", dependencies: ["LakeCatalog"], swiftSettings: strictSettings),
        .testTarget(
            name: "InteropTests",
            dependencies: ["LakeParquet", "LakeCompression", "LakeConv", "LakeTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)

// Fuzzing (opt-in: `LAKECONV_FUZZ=1 swift build --sanitize=fuzzer --sanitize=address
// --product lakeconv-fuzz-convert`): an executable whose `main` comes from libFuzzer, so it is
// only part of the package when asked for.
if Context.environment["LAKECONV_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(name: "LakeFuzzConvert", dependencies: ["LakeConv"], path: "Fuzz/Convert", swiftSettings: strictSettings))
    package.products.append(.executable(name: "lakeconv-fuzz-convert", targets: ["LakeFuzzConvert"]))
}
