import Foundation
import PyrometerAnalyze
import PyrometerDemangle
import PyrometerIngest
import PyrometerModel
@testable import PyrometerSymbolize
import PyrometerTestSupport
import Testing

/// Runs a program found on the path (cargo's bin directory too); returns (status, stdout, stderr).
@discardableResult
func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
    let result = try CLI.run(arguments, stdin: stdin.map { Data($0.utf8) }, tool: true)
    return (result.status, result.text, result.stderr)
}

/// The ELF fixtures, compiled once per test run from Tests/Fixtures/symbolize.
enum Fixtures {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/symbolize")
    static let repository = sources.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pyrometer-symbolize-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [String: String] = [:]

    /// Builds `name` with `command` (`{out}` and `{src}` are replaced) once; returns its path.
    static func build(_ name: String, source: String, _ command: [String]) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let path = built[name] { return path }
        let output = directory.appendingPathComponent(name).path
        let arguments = command.map {
            $0.replacingOccurrences(of: "{out}", with: output)
                .replacingOccurrences(of: "{src}", with: sources.appendingPathComponent(source).path)
        }
        let result = try run(arguments)
        guard result.status == 0 else {
            throw FixtureError("building \(name) failed (\(arguments.joined(separator: " "))):\n\(result.err)")
        }
        built[name] = output
        return output
    }

    static func cPIE() throws -> String {
        try build("inline-pie", source: "inline.c", ["gcc", "-O2", "-g", "-fPIE", "-pie", "-o", "{out}", "{src}"])
    }
    static func cNoPIE() throws -> String {
        try build("inline-nopie", source: "inline.c", ["gcc", "-O2", "-g", "-fno-pie", "-no-pie", "-o", "{out}", "{src}"])
    }
    static func cxx() throws -> String {
        try build("templates", source: "templates.cpp", ["g++", "-O2", "-g", "-o", "{out}", "{src}"])
    }
    /// Legacy mangling is rustc's default (asking for it by name is an unstable option); v0 is asked for.
    static func rust(_ mangling: String) throws -> String {
        try build("mangling-\(mangling)", source: "mangling.rs",
                  ["rustc", "-C", "opt-level=2", "-g"]
                      + (mangling == "legacy" ? [] : ["-C", "symbol-mangling-version=\(mangling)"])
                      + ["-o", "{out}", "{src}"])
    }
    static func swift() throws -> String {
        try build("closures", source: "closures.swift",
                  ["swiftc", "-O", "-g", "-module-name", "Closures", "-o", "{out}", "{src}"])
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One frame as llvm-symbolizer prints it.
struct ExpectedFrame: Equatable, CustomStringConvertible {
    var name: String
    var file: String
    var line: Int
    var description: String { "\(name) \(file):\(line)" }
}

enum Reference {
    /// Text symbols of `binary` whose names satisfy `include`: (start, size).
    static func functions(_ binary: String, include: (String) -> Bool) throws -> [(UInt64, UInt64, String)] {
        let result = try run(["llvm-nm", "--defined-only", "--print-size", "--numeric-sort", binary])
        #expect(result.status == 0, "llvm-nm: \(result.err)")
        var functions: [(UInt64, UInt64, String)] = []
        for line in result.out.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 3)
            guard parts.count == 4, ["t", "T", "W", "w"].contains(parts[2]),
                  let start = UInt64(parts[0], radix: 16), let size = UInt64(parts[1], radix: 16), size > 0,
                  include(String(parts[3])) else { continue }
            functions.append((start, size, String(parts[3])))
        }
        return functions
    }

    /// Addresses spread over each function: its start, and points at 1/4, 1/2, 3/4 and the last byte.
    static func addresses(_ functions: [(UInt64, UInt64, String)], limit: Int = 3000) -> [UInt64] {
        var result: [UInt64] = []
        for (start, size, _) in functions {
            for offset in Set([0, size / 4, size / 2, size * 3 / 4, size - 1]).sorted() { result.append(start + offset) }
        }
        return Array(result.prefix(limit))
    }

    /// llvm-symbolizer's inline chains for `addresses` (innermost first).
    static func symbolize(_ binary: String, _ addresses: [UInt64], demangle: Bool) throws -> [[ExpectedFrame]] {
        let input = addresses.map { "0x" + String($0, radix: 16) }.joined(separator: "\n") + "\n"
        let result = try run(["llvm-symbolizer", "--obj=" + binary, "--inlining", "--functions=linkage",
                              demangle ? "--demangle" : "--no-demangle"], stdin: input)
        #expect(result.status == 0, "llvm-symbolizer: \(result.err)")
        let blocks = result.out.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        return blocks.map { block in
            let lines = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            return stride(from: 0, to: lines.count - 1, by: 2).map { i in
                let location = lines[i + 1].split(separator: ":")
                let line = location.count >= 3 ? Int(location[location.count - 2]) ?? 0 : 0
                let file = location.count >= 3 ? location.dropLast(2).joined(separator: ":") : lines[i + 1]
                return ExpectedFrame(name: lines[i], file: file, line: line)
            }
        }
    }
}

@Suite(.serialized) struct SymbolizerTests {
    /// One libdw session for the suite (which runs serially), alive as long as the modules it opened.
    nonisolated(unsafe) static let session = DwarfSession()!

    /// Our frames for `addresses` of `binary`, in llvm-symbolizer's terms.
    static func ours(_ binary: String, _ addresses: [UInt64], demangle: Bool) throws -> [[ExpectedFrame]] {
        let module = try #require(Self.session.module(path: binary))
        return addresses.map { address in
            let frames = module.resolve(address, demangle: demangle)
            if frames.isEmpty { return [ExpectedFrame(name: "??", file: "??", line: 0)] }
            return frames.map {
                ExpectedFrame(name: $0.name, file: $0.file ?? "??",
                              line: $0.line)
            }
        }
    }

    /// Every frame (name, file, line, inline depth) must equal llvm-symbolizer's, after `normalize` (applied to both
    /// sides: documented alias differences).
    static func crossCheck(_ binary: String, demangle: Bool = true, include: (String) -> Bool,
                           normalize: (String) -> String = { $0 }, minimumAddresses: Int = 10) throws {
        let functions = try Reference.functions(binary, include: include)
        let addresses = Reference.addresses(functions)
        #expect(addresses.count >= minimumAddresses, "only \(addresses.count) addresses in \(binary)")
        let expected = try Reference.symbolize(binary, addresses, demangle: demangle)
        let actual = try ours(binary, addresses, demangle: demangle)
        #expect(expected.count == addresses.count)
        var mismatches: [String] = []
        var inlined = 0
        for (i, address) in addresses.enumerated() where i < expected.count {
            let reference = expected[i].map { ExpectedFrame(name: normalize($0.name), file: $0.file, line: $0.line) }
            if reference.count > 1 { inlined += 1 }
            let ours = actual[i].map { ExpectedFrame(name: normalize($0.name), file: $0.file, line: $0.line) }
            if reference != ours {
                mismatches.append("0x\(String(address, radix: 16)): llvm \(reference) ours \(ours)")
            }
        }
        let report = "\(mismatches.count) of \(addresses.count) addresses differ in \(binary):\n"
            + mismatches.prefix(8).joined(separator: "\n")
        #expect(mismatches.isEmpty, Comment(rawValue: report))
        _ = inlined
    }

    static func isProgramSymbol(_ name: String) -> Bool {
        !name.hasPrefix("_start") && !name.hasPrefix("__") && !name.hasPrefix("_init") && !name.hasPrefix("_fini")
            && !name.hasPrefix("frame_dummy") && !name.hasPrefix("register_tm") && !name.hasPrefix("deregister_tm")
    }

    @Test(ExternalTool.gcc.needed, ExternalTool.llvmSymbolizer.needed) func cWithStaticInlineFunctionsPIE() throws {
        let binary = try Fixtures.cPIE()
        try Self.crossCheck(binary, include: Self.isProgramSymbol)
        // checksum's loop has fold_in and mix inlined into it: some address has a 3-deep chain.
        let functions = try Reference.functions(binary) { $0 == "checksum" }
        let module = try #require(Self.session.module(path: binary))
        let chains = Reference.addresses(functions).map { module.resolve($0).map(\.name) }
        #expect(chains.contains(["mix", "fold_in", "checksum"]), "\(chains)")
    }

    @Test(ExternalTool.gcc.needed, ExternalTool.llvmSymbolizer.needed) func cWithStaticInlineFunctionsNonPIE() throws {
        try Self.crossCheck(try Fixtures.cNoPIE(), include: Self.isProgramSymbol)
    }

    /// Compared by linkage name, demangled on both sides by the same demangler (aliases such as a complete and a
    /// base destructor, `D1`/`D2`, are one function): we name C++ functions as perf does (`c++filt -p`: no
    /// parameters, no return type), llvm-symbolizer with parameters; PyrometerDemangleTests checks the demangling
    /// against c++filt.
    @Test(ExternalTool.gxx.needed, ExternalTool.llvmSymbolizer.needed) func cxxTemplates() throws {
        try Self.crossCheck(try Fixtures.cxx(), demangle: false, include: { name in
            name.contains("geometry") || name.contains("sorted_sum") || name == "main" || name.contains("__introsort")
        }, normalize: { Demangler.demangle($0)?.full ?? $0 })
        // Named as perf names them.
        let binary = try Fixtures.cxx()
        let module = try #require(Self.session.module(path: binary))
        let functions = try Reference.functions(binary) { $0.contains("geometry") }
        let names = Set(Reference.addresses(functions).flatMap { module.resolve($0).map(\.name) })
        #expect(names.contains { $0.hasPrefix("geometry::") && !$0.contains("(") }, "\(names.sorted())")
    }

    /// Rust legacy mangling: llvm-symbolizer keeps the `::h<hash>` suffix and rustc's `$LT$`-style escapes, which
    /// we strip and decode (as rustfilt and perf do).
    @Test(ExternalTool.rustc.needed, ExternalTool.llvmSymbolizer.needed) func rustLegacyMangling() throws {
        try Self.crossCheck(try Fixtures.rust("legacy"), include: { $0.contains("8mangling") },
                            normalize: { Demangler.decodingRustEscapes(Demangler.strippingRustHash($0)) })
        #expect(Demangler.demangle("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h0123456789abcdefE")?.full
                    == "std::rt::lang_start::{{closure}}")
        #expect(Demangler.demangle("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0123456789abcdefE")?.full
                    == "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>")
    }

    @Test(ExternalTool.rustc.needed, ExternalTool.llvmSymbolizer.needed) func rustV0Mangling() throws {
        let binary = try Fixtures.rust("v0")
        try Self.crossCheck(binary, include: { $0.hasPrefix("_R") && $0.contains("8mangling") })
        let module = try #require(Self.session.module(path: binary))
        let names = try Reference.functions(binary) { $0.hasPrefix("_R") && $0.contains("8mangling") }
            .map { module.resolve($0.0).last?.name ?? "" }
        #expect(names.contains { $0.hasSuffix("mangling::run") }, "\(names)")
    }

    /// llvm-symbolizer 14 cannot demangle Swift: compared by linkage name; our demangled names are checked apart.
    @Test(ExternalTool.llvmSymbolizer.needed) func swiftGenericsAndClosures() throws {
        let binary = try Fixtures.swift()
        try Self.crossCheck(binary, demangle: false, include: { $0.hasPrefix("$s8Closures") })
        let module = try #require(Self.session.module(path: binary))
        let names = try Reference.functions(binary) { $0.hasPrefix("$s8Closures") }
            .map { module.resolve($0.0).last?.name ?? "" }
        #expect(names.contains("Closures.run(Swift.Int) -> Swift.Int"), "\(names)")
        #expect(names.contains { $0.hasPrefix("closure #1") }, "\(names)")
    }

    @Test func demangler() {
        #expect(Demangler.demangle("_ZN8geometry5totalIdEET_RKSt6vectorINS_3VecIS1_EESaIS4_EE")?.full
                == "double geometry::total<double>(std::vector<geometry::Vec<double>, std::allocator<geometry::Vec<double> > > const&)")
        #expect(Demangler.demangle("_ZN8mangling3run17h0123456789abcdefE")?.full == "mangling::run")
        #expect(Demangler.demangle("$s8Closures3runyS2iF")?.full == "Closures.run(Swift.Int) -> Swift.Int")
        #expect(Demangler.demangle("_RNvCs1234_8mangling3run")?.full.hasSuffix("mangling::run") == true)
        #expect(Demangler.demangle("plain_c") == nil)
        #expect(Demangler.demangle("_Znot-valid") == nil)
    }

    // MARK: whole profiles

    /// A profile of the binary at `path` as pprof gives it: a mapping with its load range and runtime addresses.
    static func profile(mappingFile path: String, buildID: String = "", loadAddress: UInt64 = 0x5555_5555_0000,
                        fileOffsets: [UInt64]) -> Profile {
        var builder = ProfileBuilder(sampleTypes: [ValueType(type: "samples", unit: "count")], defaultSampleType: 0,
                                     sourceFormat: "pprof")
        let mapping = builder.intern(Mapping(start: loadAddress, limit: loadAddress + 0x100_0000, fileOffset: 0,
                                             file: builder.intern(path), buildID: builder.intern(buildID)))
        for offset in fileOffsets {
            let location = builder.intern(Location(mapping: mapping, address: loadAddress + offset, lines: []))
            builder.add(stack: builder.intern(stack: [location]), type: 0, value: 1)
        }
        return builder.build()
    }

    static func fileOffset(_ binary: String, vaddr: UInt64) throws -> UInt64 {
        let info = try #require(ELFFileInfo.read(path: binary))
        let segment = try #require(info.loadSegments.first {
            vaddr >= $0.virtualAddress && vaddr < $0.virtualAddress + $0.memorySize
        })
        return vaddr - segment.virtualAddress + segment.fileOffset
    }

    /// A stripped binary and a build-id debug directory: the same names as the unstripped binary.
    @Test(ExternalTool.gcc.needed, ExternalTool.binutils.needed) func strippedBinaryWithBuildIDDirectory() throws {
        let binary = try Fixtures.cPIE()
        let stripped = Fixtures.directory.appendingPathComponent("inline-stripped").path
        let debug = Fixtures.directory.appendingPathComponent("debug").path
        try #require(run(["strip", "--strip-all", "-o", stripped, binary]).status == 0)
        let info = try #require(ELFFileInfo.read(path: binary))
        let buildID = try #require(info.buildID).lowercaseHex
        let debugFile = debug + "/.build-id/" + buildID.prefix(2) + "/" + buildID.dropFirst(2) + ".debug"
        try FileManager.default.createDirectory(atPath: (debugFile as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: debugFile)
        try #require(run(["objcopy", "--only-keep-debug", binary, debugFile]).status == 0)

        let functions = try Reference.functions(binary, include: Self.isProgramSymbol)
        let addresses = Reference.addresses(functions)
        let offsets = try addresses.map { try Self.fileOffset(binary, vaddr: $0) }
        let expected = try Reference.symbolize(binary, addresses, demangle: true).map { $0.map(\.name) }

        var options = SymbolizeOptions()
        options.debugDirectories = [debug]
        let result = ProfileSymbolizer(options: options).symbolize(Self.profile(mappingFile: stripped, buildID: buildID,
                                                                           fileOffsets: offsets))
        #expect(result.unresolved == 0, "\(result.diagnostics)")
        let names = result.profile.locations.map { location in
            location.lines.map { result.profile.functionName($0) }
        }
        #expect(names == expected)

        // Without the debug directory, the stripped binary has no symbols at all: nothing resolves, and the
        // locations keep their mapping and address.
        let bare = ProfileSymbolizer().symbolize(Self.profile(mappingFile: stripped, fileOffsets: offsets))
        #expect(bare.resolved == 0)
        #expect(bare.profile.locations.allSatisfy { $0.lines.isEmpty && $0.mapping != nil })
    }

    @Test(ExternalTool.gcc.needed) func binaryPathBuildIDChecksAndHostileBuildIDs() throws {
        let binary = try Fixtures.cNoPIE()
        let directory = (binary as NSString).deletingLastPathComponent
        let name = (binary as NSString).lastPathComponent
        let functions = try Reference.functions(binary) { $0 == "checksum" }
        let offset = try Self.fileOffset(binary, vaddr: functions[0].0)
        // The profile names a path that does not exist here: found through --binary-path by its base name.
        var options = SymbolizeOptions()
        options.binaryPaths = [directory]
        let found = ProfileSymbolizer(options: options).symbolize(
            Self.profile(mappingFile: "/build/output/" + name, fileOffsets: [offset]))
        #expect(found.profile.locations[0].lines.map { found.profile.functionName($0) } == ["checksum"])

        // A build-id that differs from the binary's: not used, with a warning.
        let mismatch = ProfileSymbolizer().symbolize(Self.profile(mappingFile: binary, buildID: "deadbeef", fileOffsets: [offset]))
        #expect(mismatch.resolved == 0)
        #expect(mismatch.diagnostics.contains { $0.kind.contains("differs from the profile's deadbeef") })

        // A build-id that is not hex never becomes a path.
        let hostile = ProfileSymbolizer().symbolize(Self.profile(mappingFile: binary, buildID: "../../../etc/passwd",
                                                           fileOffsets: [offset]))
        #expect(hostile.resolved == 0)
        #expect(hostile.diagnostics.contains { $0.kind.contains("not hexadecimal") })
        #expect(!FileLocator.isSafeRelative("../x") && !FileLocator.isSafeRelative("a/../../x"))
        #expect(FileLocator.normalizedBuildID("ABCD") == "abcd" && FileLocator.normalizedBuildID("abc") == nil)
    }

    /// The issue's acceptance test: a stripped program recorded with `perf record -g` folds, through Pyrometer
    /// and a build-id debug directory, to the same stacks as `perf script` prints for the unstripped binary on the
    /// same recording.
    @Test(ExternalTool.clang.needed, ExternalTool.perf.needed, ExternalTool.binutils.needed)
    func strippedPerfRecordingFoldsLikeTheUnstrippedBinary() throws {
        let work = Fixtures.directory.appendingPathComponent("perf")
        try? FileManager.default.removeItem(at: work)
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let program = work.appendingPathComponent("hotspot").path
        let unstripped = work.appendingPathComponent("hotspot.full").path
        let source = Fixtures.repository.appendingPathComponent("samples/src/hotspot.c").path
        try #require(run(["clang", "-O1", "-g", "-fno-omit-frame-pointer", "-fno-optimize-sibling-calls",
                          "-Wl,--build-id", "-o", unstripped, source]).status == 0)
        let buildID = try #require(ELFFileInfo.read(path: unstripped)?.buildID).lowercaseHex
        let debug = work.appendingPathComponent("debug").path
        let debugFile = debug + "/.build-id/" + buildID.prefix(2) + "/" + buildID.dropFirst(2) + ".debug"
        try FileManager.default.createDirectory(atPath: (debugFile as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try #require(run(["objcopy", "--only-keep-debug", unstripped, debugFile]).status == 0)
        try #require(run(["strip", "--strip-all", "-o", program, unstripped]).status == 0)

        // -N: no build-id cache, so that perf script reads the binary at its path. User space only (`:u`): kernel
        // frames are named by perf from the recording host's kallsyms, which header-less chains do not carry.
        let data = work.appendingPathComponent("perf.data").path
        let record = try run(["perf", "record", "-N", "-q", "-e", "cpu-clock:u", "-F", "999", "-g", "-o", data, "--", program, "6"])
        try #require(record.status == 0, "perf record failed: \(record.err)")
        let strippedText = try run(["perf", "script", "-i", data])
        try #require(strippedText.status == 0, "\(strippedText.err)")
        // The same call chains as `perf script -F ip,dso` prints them: no headers, no symbols.
        let chainsOnly = try run(["perf", "script", "-i", data, "-F", "ip,dso"])
        try #require(chainsOnly.status == 0, "\(chainsOnly.err)")
        #expect(strippedText.out.contains("[unknown] (\(program))"))
        try FileManager.default.removeItem(atPath: program)
        try FileManager.default.copyItem(atPath: unstripped, toPath: program)
        let fullText = try run(["perf", "script", "-i", data])
        try #require(fullText.status == 0)
        #expect(fullText.out.contains("burn_cpu"))

        func fold(_ text: String, debugDirectory: String?, processRoot: Bool = true, counts: Bool = false) throws
            -> [String] {
            let strippedPath = work.appendingPathComponent("input.txt")
            try text.write(to: strippedPath, atomically: true, encoding: .utf8)
            var profile = try Importers.load(InputFile(path: strippedPath.path)).profile
            if let debugDirectory {
                // perf script's view of the stripped binary; put it back for the lookup by path and build-id.
                try FileManager.default.removeItem(atPath: program)
                try #require(run(["strip", "--strip-all", "-o", program, unstripped]).status == 0)
                var options = SymbolizeOptions()
                options.debugDirectories = [debugDirectory]
                profile = ProfileSymbolizer(options: options).symbolize(profile).profile
            }
            var fold = FoldOptions()
            fold.includeInline = false
            fold.processRoot = processRoot
            // Sample counts rather than cpu-clock periods (the header-less output has no periods).
            if counts { fold.sampleType = profile.sampleTypeIndex(named: "samples") }
            return Folder(options: fold).fold(profile).sortedLines().map {
                String(decoding: $0.stack, as: UTF8.self) + " \($0.value)"
            }
        }
        let expected = try fold(fullText.out, debugDirectory: nil)
        let ours = try fold(strippedText.out, debugDirectory: debug)
        #expect(!expected.isEmpty)
        #expect(ours == expected)
        #expect(ours.contains { $0.contains(";main;burn_cpu ") })
        // Header-less chains (no comm, so no process root frame) resolve to the same stacks.
        let fromChains = try fold(chainsOnly.out, debugDirectory: debug, processRoot: false)
        #expect(!fromChains.isEmpty)
        #expect(fromChains == (try fold(fullText.out, debugDirectory: nil, processRoot: false, counts: true)))
    }
}

@Suite struct JitMapTests {
    /// perf's JIT maps name code by runtime address; Java names are tidied and `;` never reaches folded stacks.
    @Test func jitFramesAreNamedFromThePerfMap() throws {
        let pid = 900_000 + Int(ProcessInfo.processInfo.processIdentifier % 90_000)
        let map = "/tmp/perf-\(pid).map"
        try ("7f0000001000 100 Lio/netty/Decoder;::decode\n7f0000002000 0x80 Interpreter::run\nnot a line\n"
            + "7f0000004000 40 LazyCompile:*parse /srv/lib/app.js:3:14\n")
            .write(toFile: map, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: map) }
        let text = "java \(pid)/\(pid) 1.0: 1 cpu-clock:\n\t    7f0000001010 [unknown] (\(map))\n"
            + "\t    7f0000002040 [unknown] (\(map))\n\t    7f0000003000 [unknown] (\(map))\n\n"
            + "node \(pid)/\(pid) 1.1: 1 cpu-clock:\n\t    7f0000004010 [unknown] (\(map))\n\n"
        let input = Fixtures.directory.appendingPathComponent("jit.perf.txt")
        try text.write(to: input, atomically: true, encoding: .utf8)
        let profile = ProfileSymbolizer().symbolize(try Importers.load(InputFile(path: input.path)).profile).profile
        var options = FoldOptions()
        options.processRoot = false
        let lines = Folder(options: options).fold(profile).sortedLines().map { String(decoding: $0.stack, as: UTF8.self) }
        // perf-map-agent's Java names are tidied; a Node.js name (its `L` and `/` too) stays as V8 wrote it, but for
        // the tier mark (`*`): one JavaScript function whichever tier compiled it.
        #expect(lines == ["LazyCompile:parse /srv/lib/app.js:3:14", "[perf-\(pid).map];Interpreter::run;io/netty/Decoder:::decode"])
        #expect(JitMap.isJitMap("/tmp/perf-12.map") && !JitMap.isJitMap("/tmp/perf-x.map")
                && !JitMap.isJitMap("/etc/perf-1.map"))
    }
}

@Suite struct HostileFileTests {
    /// A profile names the files to read: FIFOs, devices, directories, empty and non-ELF files are skipped, never
    /// waited on or read forever.
    @Test func mappingsNamingNonFilesAreSkipped() throws {
        let directory = Fixtures.directory.appendingPathComponent("hostile")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fifo = directory.appendingPathComponent("fifo").path
        unlink(fifo)
        #expect(mkfifo(fifo, 0o600) == 0)
        let empty = directory.appendingPathComponent("empty").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        let text = directory.appendingPathComponent("notelf").path
        try "not an ELF file\n".write(toFile: text, atomically: true, encoding: .utf8)
        for path in [fifo, "/dev/zero", "/dev/null", directory.path, empty, text, "/tmp/perf-1.map"] {
            let profile = SymbolizerTests.profile(mappingFile: path, fileOffsets: [0x10, 0x20])
            let result = ProfileSymbolizer().symbolize(profile)
            #expect(result.resolved == 0, "\(path)")
            #expect(result.profile.locations.count == 2)
        }
        #expect(openRegularFile(fifo) == -1 && openRegularFile("/dev/zero") == -1)
    }
}
