import Foundation
import PyrometerIngest
import PyrometerModel
import Testing

/// The inputs of bugs found by fuzzing (Tests/Fixtures/fuzz/regressions/TARGET/, docs/fuzzing.md), through the same
/// importer and limits as their fuzz target: each must give a profile or a `ProfileError`, and (where it was a leak
/// or a crash) must not bring the bug back. `scripts/fuzz.sh --smoke` replays them under AddressSanitizer too.
@Suite struct FuzzRegressionTests {
    static let directory = Fixtures.root.appendingPathComponent("fuzz/regressions")

    static var inputs: [String] {
        let targets = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return targets.sorted().flatMap { target in
            ((try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(target).path)) ?? [])
                .sorted().map { target + "/" + $0 }
        }
    }

    @Test(arguments: inputs)
    func regressionInputIsReadOrRefused(_ input: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.directory.appendingPathComponent(input)))
        var options = ImportOptions()
        options.threads = 1
        options.maxRecordBytes = 1 << 20
        options.maxInflatedBytes = 16 << 20
        options.kallsymsPath = "/dev/null"
        let file = InputFile(name: input, bytes: bytes)
        do {
            switch input.split(separator: "/").first {
            case "perf-script": _ = try PerfScriptImporter().parse(file, options: options)
            case "perf-data": _ = try PerfDataImporter().parse(file, options: options)
            case "pprof": _ = try PprofImporter().parse(file, options: options)
            case "folded": _ = try FoldedImporter().parse(file, options: options)
            case "dhat": _ = try DHATImporter().parse(file, options: options)
            case "heaptrack": _ = try HeaptrackImporter().parse(file, options: options)
            case "heap-profile": _ = try LegacyHeapImporter().parse(file, options: options)
            case "kallsyms":
                if let symbols = bytes.withUnsafeBufferPointer({ KallsymsSymbolizer(text: $0) }) {
                    var chains = ResolvedChains()
                    #expect(symbols.resolve([0, 1, .max][...], in: "[kernel.kallsyms]", into: &chains))
                }
            default: _ = try Importers.load(file, options: options)
            }
        } catch {
            #expect(!error.description.isEmpty)
        }
    }
}
