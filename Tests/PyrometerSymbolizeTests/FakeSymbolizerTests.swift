import Foundation
import PyrometerModel
@testable import PyrometerSymbolize
import Testing

/// A `Symbolizer` that names addresses by rule and records what it was asked, so that `ProfileSymbolizer`'s part
/// (which modules, which addresses, how chains become lines) is checked without libdw.
final class FakeSymbolizer: Symbolizer, @unchecked Sendable {
    private let lock = NSLock()
    private var asked: [(module: String, addresses: [UInt64])] = []
    /// Modules that "cannot be read": resolve returns false.
    let unreadable: Set<String>

    init(unreadable: Set<String> = []) { self.unreadable = unreadable }

    var calls: [(module: String, addresses: [UInt64])] { lock.withLock { asked } }

    /// Every address whose low 12 bits are 0x010 has no symbol; others get `inner` inlined into `outer_<hex>`.
    func resolve(_ addresses: ArraySlice<UInt64>, in module: String, into chains: inout ResolvedChains) -> Bool {
        lock.withLock { asked.append((module, Array(addresses))) }
        guard !unreadable.contains(module) else { return false }
        for address in addresses {
            if address & 0xFFF != 0x010 {
                chains.frames.append(ResolvedFrame(name: "inner", file: "fake.c", line: 7, column: 2))
                chains.frames.append(ResolvedFrame(name: "outer_" + String(address, radix: 16), shortName: "outer",
                                                   linkageName: "_Z5outerv", file: "fake.c", line: 3))
            }
            chains.endChain()
        }
        return true
    }
}

@Suite struct FakeSymbolizerTests {
    /// The test bundle itself: an ELF file that exists wherever the tests run, for the mapping to point at.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path

    static func names(_ profile: Profile, location: Location) -> [String] {
        location.lines.map { profile.strings[Int(profile.functions[Int($0.function)].name)] }
    }

    @Test func chainsBecomeInlineLinesAndUnknownAddressesStayUnresolved() throws {
        let offsets: [UInt64] = [0x1020, 0x1010, 0x1020, 0x1030]
        let profile = SymbolizerTests.profile(mappingFile: Self.binary, fileOffsets: offsets)
        let fake = FakeSymbolizer()
        let result = ProfileSymbolizer(options: SymbolizeOptions(), backend: fake).symbolize(profile)
        // One module, asked once, with each distinct address once and in order.
        let calls = fake.calls
        #expect(calls.count == 1)
        #expect(calls.first?.module == Self.binary)
        let asked = try #require(calls.first?.addresses)
        #expect(asked == asked.sorted() && Set(asked).count == asked.count && asked.count == 3)
        #expect(result.resolved == 2 && result.unresolved == 1)
        let symbolized = result.profile
        var named = 0
        for location in symbolized.locations where location.mapping != nil {
            let names = Self.names(symbolized, location: location)
            if names.isEmpty { continue }
            named += 1
            #expect(names.count == 2 && names[0] == "inner" && names[1].hasPrefix("outer_"), "\(names)")
            let outer = symbolized.functions[Int(location.lines[1].function)]
            #expect(symbolized.strings[Int(outer.shortName)] == "outer")
            #expect(symbolized.strings[Int(outer.systemName)] == "_Z5outerv")
            #expect(symbolized.strings[Int(outer.filename)] == "fake.c")
            #expect(location.lines.map(\.line) == [7, 3])
        }
        #expect(named == 2)
        #expect(symbolized.total(sampleType: 0) == profile.total(sampleType: 0))
    }

    @Test func anUnreadableModuleLeavesItsLocationsUnnamed() {
        let profile = SymbolizerTests.profile(mappingFile: Self.binary, fileOffsets: [0x1020, 0x1030])
        let fake = FakeSymbolizer(unreadable: [Self.binary])
        let result = ProfileSymbolizer(options: SymbolizeOptions(), backend: fake).symbolize(profile)
        #expect(fake.calls.count == 1)
        #expect(result.resolved == 0 && result.unresolved == 2)
        #expect(result.profile.locations.allSatisfy { $0.lines.isEmpty })
    }

    @Test func pseudoModulesAreNeverAsked() {
        for path in ["[kernel.kallsyms]", "[vdso]", "[unknown]", "//anon", "[anon:dalvik]"] {
            let fake = FakeSymbolizer()
            let result = ProfileSymbolizer(options: SymbolizeOptions(), backend: fake)
                .symbolize(SymbolizerTests.profile(mappingFile: path, fileOffsets: [0x1020]))
            #expect(fake.calls.isEmpty, "\(path)")
            #expect(result.resolved == 0)
        }
    }
}
