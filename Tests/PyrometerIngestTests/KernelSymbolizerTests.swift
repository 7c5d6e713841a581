import Foundation
import PyrometerIngest
import PyrometerModel
import Testing

/// perf.data names kernel frames through `ImportOptions.kernelSymbolizer` when one is given (kallsyms otherwise):
/// a fake shows which addresses reach it and that its names become the frames, whatever kernel this machine runs.
@Suite struct KernelSymbolizerTests {
    final class KernelNames: Symbolizer, @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [UInt64] = []
        var addresses: [UInt64] { lock.withLock { seen } }

        func resolve(_ addresses: ArraySlice<UInt64>, in module: String, into chains: inout ResolvedChains) -> Bool {
            lock.withLock { seen.append(contentsOf: addresses) }
            guard module == "[kernel.kallsyms]" else { return false }
            for address in addresses {
                chains.frames.append(ResolvedFrame(name: "k_" + String(address, radix: 16)))
                chains.endChain()
            }
            return true
        }
    }

    @Test func kernelFramesAreNamedByTheGivenSymbolizer() throws {
        // A JVM recording with page faults and syscalls under its threads (Tests/Fixtures/real/README.md).
        var options = ImportOptions()
        let names = KernelNames()
        options.kernelSymbolizer = names
        options.kallsymsPath = "/nonexistent/kallsyms"  // never read when a symbolizer is given
        let result = try Importers.load(InputFile(path: Fixtures.path("real/java17-perfmap/perf.data.gz")), options: options)
        let profile = result.profile
        #expect(!result.diagnostics.contains { $0.kind.contains("kallsyms") }, "\(result.diagnostics)")
        let kernelLocations = profile.locations.filter { location in
            location.mapping.map { profile.strings[Int(profile.mappings[Int($0)].file)] == "[kernel.kallsyms]" } ?? false
        }
        #expect(!kernelLocations.isEmpty)
        for location in kernelLocations {
            let name = profile.strings[Int(profile.functions[Int(location.lines[0].function)].name)]
            #expect(name == "k_" + String(location.address, radix: 16))
        }
        // Each kernel address was asked about, and no user address was.
        #expect(Set(names.addresses) == Set(kernelLocations.map(\.address)))
    }
}
