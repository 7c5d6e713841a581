import Foundation
import PyrometerIngest
import PyrometerModel
import PyrometerSymbolize
import Testing

/// The unwinder's cached call-frame rules (UnwindRule) against libdwfl's own unwinding of every frame, on the
/// corpus's `--call-graph dwarf` recordings: the same frames for every sample, single- and multi-threaded.
@Suite struct DwarfUnwinderTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let recordings = ["c-clang-inline-dwarf", "cpp-templates", "rust-generics", "swift-generics"]

    static func profile(_ name: String, cachedRules: Bool, threads: Int) throws -> Profile {
        let directory = repository.appendingPathComponent("Tests/Fixtures/real/\(name)").path
        var options = ImportOptions()
        options.unwinder = DwarfUnwinder(binaryPaths: [directory + "/bin", directory], threads: threads,
                                         cachedRules: cachedRules)
        let result = try Importers.load(paths: [directory + "/perf.data.gz"], options: options)
        // Unwinding goes through this machine's libc and runtimes: another build of them is not the recording's.
        if let missing = result.diagnostics.first(where: { $0.kind.contains("binary not found for /usr")
            || $0.kind.contains("binary not found for /opt") || $0.kind.contains("binary not found for /root") }) {
            try Test.cancel("\(name): \(missing.kind)")
        }
        return result.profile
    }

    /// The Python recording's interpreter library (a pyenv build; not in the repository).
    static let libpython = "/root/.pyenv/versions/3.12.1/lib/libpython3.12.so.1.0"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: libpython),
                   "needs CPython 3.12.1's libpython3.12.so.1.0 at /root/.pyenv/versions/3.12.1/lib"))
    func cachedRulesUnwindPythonAsLibdwflDoes() throws {
        try cachedRulesUnwindAsLibdwflDoes("python312-perf")
    }

    @Test(arguments: recordings)
    func cachedRulesUnwindAsLibdwflDoes(_ name: String) throws {
        let libdwfl = try Self.profile(name, cachedRules: false, threads: 1)
        let cached = try Self.profile(name, cachedRules: true, threads: 1)
        let parallel = try Self.profile(name, cachedRules: true, threads: 4)
        #expect(cached.canonicalDump() == libdwfl.canonicalDump())
        #expect(parallel.canonicalDump() == libdwfl.canonicalDump())
        // Unwound: the samples have more than their sampled function.
        let depths = libdwfl.samples.map { libdwfl.stacks[$0.stack].count }
        #expect(depths.filter { $0 >= 4 }.count * 2 > depths.count, "\(name): \(depths.prefix(20))")
    }
}
