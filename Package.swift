// swift-tools-version:6.0
// Pyrometer: profiling and flamegraph analyzer. One library target per pipeline stage
// (Model ← Ingest, Symbolize, Analyze ← Render, Store ← CLI); see docs/architecture.md.
import PackageDescription

let optimized: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "Pyrometer",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "pyrometer", targets: ["pyrometer"]),
        .executable(name: "pyrometer-store", targets: ["pyrometer-store"]),
        .executable(name: "pyrometer-serve", targets: ["pyrometer-serve"]),
        .executable(name: "pyrometer-push", targets: ["pyrometer-push"]),
        .library(name: "PyrometerModel", targets: ["PyrometerModel"]),
        .library(name: "PyrometerIngest", targets: ["PyrometerIngest"]),
        .library(name: "PyrometerAnalyze", targets: ["PyrometerAnalyze"]),
        .library(name: "PyrometerRender", targets: ["PyrometerRender"]),
        .library(name: "PyrometerSymbolize", targets: ["PyrometerSymbolize"]),
        .library(name: "PyrometerDemangle", targets: ["PyrometerDemangle"]),
        .library(name: "PyrometerStore", targets: ["PyrometerStore"]),
        .library(name: "PyrometerServe", targets: ["PyrometerServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .target(name: "PyrometerModel", swiftSettings: optimized),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CLibDW", pkgConfig: "libdw", providers: [.apt(["libdw-dev", "libelf-dev"])]),
        .systemLibrary(name: "CDemangle", providers: [.apt(["libiberty-dev"])]),
        .target(name: "PyrometerDemangle", dependencies: ["CDemangle"], swiftSettings: optimized),
        .target(name: "PyrometerIngest", dependencies: ["PyrometerModel", "PyrometerDemangle", "CZlib", "CZstd"],
                swiftSettings: optimized),
        .target(name: "PyrometerAnalyze", dependencies: ["PyrometerModel"], swiftSettings: optimized),
        .target(name: "PyrometerSymbolize", dependencies: ["PyrometerModel", "PyrometerDemangle", "PyrometerIngest", "CLibDW"],
                swiftSettings: optimized),
        .target(name: "PyrometerRender", dependencies: ["PyrometerModel", "PyrometerAnalyze", "CZlib"],
                swiftSettings: optimized),
        .target(name: "PyrometerStore",
                dependencies: ["PyrometerModel", "PyrometerAnalyze", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: optimized),
        // `pyrometer serve`'s request decoding (ingest bodies to profiles), without networking: docs/serve.md.
        .target(name: "PyrometerServe", dependencies: ["PyrometerModel", "PyrometerIngest", "CZlib"]),
        // The commands, without the store: `pyrometer` loads neither GRDB nor Foundation (docs/architecture.md).
        .target(
            name: "PyrometerCLI",
            dependencies: [
                "PyrometerModel", "PyrometerIngest", "PyrometerAnalyze", "PyrometerRender", "PyrometerSymbolize", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: optimized),
        .executableTarget(
            name: "pyrometer",
            dependencies: ["PyrometerCLI", "PyrometerModel", "PyrometerIngest",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),
        .executableTarget(
            name: "pyrometer-store",
            dependencies: ["PyrometerCLI", "PyrometerModel", "PyrometerAnalyze", "PyrometerRender", "PyrometerStore",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),
        // `pyrometer serve`: the push endpoints (and, to come, the web UI) on Hummingbird, in a program of its own so
        // that no other command loads SwiftNIO (docs/serve.md).
        .target(
            name: "PyrometerServer",
            dependencies: ["PyrometerModel", "PyrometerAnalyze", "PyrometerRender", "PyrometerStore", "PyrometerServe",
                           .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: optimized),
        .executableTarget(
            name: "pyrometer-serve",
            dependencies: ["PyrometerCLI", "PyrometerServer", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),
        // `pyrometer push` and `pyrometer agent`: pushes over Foundation's HTTP client (libcurl, TLS), which the
        // toolchain has, rather than async-http-client, whose SwiftNIO-SSL build would cost each CI build minutes
        // (docs/serve.md § Pushing).
        .target(name: "PyrometerPush", dependencies: ["PyrometerModel"]),
        .executableTarget(
            name: "pyrometer-push",
            dependencies: ["PyrometerCLI", "PyrometerPush", "PyrometerModel", "PyrometerRender",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: optimized),
        // The parsers under libFuzzer: scripts/fuzz.sh builds it with -sanitize=fuzzer,address.
        .executableTarget(name: "pyrometer-fuzz", dependencies: ["PyrometerIngest", "PyrometerModel", "PyrometerSymbolize",
                                                                "PyrometerServe"]),
        // What several test targets share: which external tools this machine has (tests that need a missing one
        // are skipped with the reason, or fail under scripts/test.sh).
        .target(name: "PyrometerTestSupport", path: "Tests/PyrometerTestSupport"),
        .testTarget(name: "PyrometerModelTests", dependencies: ["PyrometerModel"]),
        .testTarget(name: "PyrometerIngestTests",
                    dependencies: ["PyrometerIngest", "PyrometerAnalyze", "PyrometerRender", "PyrometerTestSupport"]),
        .testTarget(name: "PyrometerAnalyzeTests", dependencies: ["PyrometerAnalyze", "PyrometerIngest"]),
        .testTarget(name: "PyrometerRenderTests", dependencies: ["PyrometerRender", "PyrometerIngest", "PyrometerTestSupport"]),
        .testTarget(name: "PyrometerSymbolizeTests",
                    dependencies: ["PyrometerSymbolize", "PyrometerDemangle", "PyrometerIngest", "PyrometerAnalyze",
                                   "PyrometerTestSupport"]),
        .testTarget(name: "PyrometerDemangleTests", dependencies: ["PyrometerDemangle", "PyrometerTestSupport"]),
        .testTarget(name: "PyrometerStoreTests", dependencies: ["PyrometerStore", "PyrometerModel", "PyrometerTestSupport"]),
        .testTarget(name: "PyrometerServeTests", dependencies: ["PyrometerServe", "PyrometerModel", "PyrometerIngest",
                                                                "PyrometerTestSupport"]),
        .testTarget(name: "PyrometerCLITests", dependencies: ["PyrometerModel", "PyrometerTestSupport"]),
        .testTarget(name: "PyrometerPushTests", dependencies: ["PyrometerPush"]),
        .testTarget(name: "PyrometerServerTests",
                    dependencies: ["PyrometerServer", "PyrometerServe", "PyrometerStore", "PyrometerModel",
                                   "PyrometerTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
