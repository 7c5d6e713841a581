import Foundation
import PyrometerDemangle
import PyrometerTestSupport
import Testing

/// A real symbol with its full name (as `c++filt` prints it, without Rust's hash and v0's crate disambiguators;
/// as `swift-demangle --no-sugar` prints it) and our short label.
struct Example: Sendable, CustomTestStringConvertible {
    var mangled: String
    var full: String
    var short: String
    var scheme: ManglingScheme
    init(_ mangled: String, _ full: String, _ short: String, _ scheme: ManglingScheme) {
        self.mangled = mangled
        self.full = full
        self.short = short
        self.scheme = scheme
    }
    var testDescription: String { mangled }
}

@Suite struct DemanglerTests {
    /// From the programs in Programs.swift (g++ -O2, rustc -C opt-level=2 with both manglings, swiftc -O and
    /// -Onone), and four from swift-package (Swift 6.3.1): private names, a merged function, a reabstraction thunk.
    static let examples: [Example] = [
        Example("_ZN4pyro5totalIdEET_RKSt6vectorINS_3VecIS1_EESaIS4_EE",
                "double pyro::total<double>(std::vector<pyro::Vec<double>, std::allocator<pyro::Vec<double> > > const&)",
                "pyro::total<double>", .itanium),
        Example("_ZN4pyro7Counter3addEic",
                "pyro::Counter::add(int, char)",
                "pyro::Counter::add", .itanium),
        Example("_ZNK4pyro7CounterclEi.isra.0",
                "pyro::Counter::operator()(int) const [clone .isra.0]",
                "pyro::Counter::operator", .itanium),
        Example("_ZNK4pyro7CounterltERKS0_.isra.0",
                "pyro::Counter::operator<(pyro::Counter const&) const [clone .isra.0]",
                "pyro::Counter::operator<", .itanium),
        Example("_ZN4pyroL6scaledEii.constprop.0",
                "pyro::scaled(int, int) [clone .constprop.0]",
                "pyro::scaled", .itanium),
        Example("_ZN4pyro12_GLOBAL__N_16hiddenEi",
                "pyro::(anonymous namespace)::hidden(int)",
                "pyro::(anonymous namespace)::hidden", .itanium),
        Example("_ZNSt17_Function_handlerIFiiEZ4mainEUliE_E9_M_invokeERKSt9_Any_dataOi",
                "std::_Function_handler<int (int), main::{lambda(int)#1}>::_M_invoke(std::_Any_data const&, int&&)",
                "std::_Function_handler<int (int), main::{lambda(int)#1}>::_M_invoke", .itanium),
        Example("_ZNKSt8functionIFvvEEclEv",
                "std::function<void ()>::operator()() const",
                "std::function<void ()>::operator", .itanium),
        Example("_ZN49_$LT$fixture..Square$u20$as$u20$fixture..Area$GT$4area17h7d67a2f242d5fcfdE",
                "<fixture::Square as fixture::Area>::area",
                "<fixture::Square as fixture::Area>::area", .rustLegacy),
        Example("_ZN61_$LT$$u5b$u8$u3b$$u20$4$u5d$$u20$as$u20$fixture..Checksum$GT$8checksum17he53d30a469c3886dE",
                "<[u8; 4] as fixture::Checksum>::checksum",
                "<[u8: 4] as fixture::Checksum>::checksum", .rustLegacy),
        Example("_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h5651e676f5b77504E",
                "std::rt::lang_start::{{closure}}",
                "std::rt::lang_start::{{closure}}", .rustLegacy),
        Example("_ZN9hashbrown3raw21RawTable$LT$T$C$A$GT$14reserve_rehash17hdc05f26047c3127bE.llvm.7749897703511361767",
                "hashbrown::raw::RawTable<T,A>::reserve_rehash",
                "hashbrown::raw::RawTable<T,A>::reserve_rehash", .rustLegacy),
        Example("_RNvCsai4GBYXPky7_7fixture3run",
                "fixture::run",
                "fixture::run", .rustV0),
        Example("_RINvCsai4GBYXPky7_7fixture5totalNtB2_6SquareEB2_",
                "fixture::total::<fixture::Square>",
                "fixture::total::<fixture::Square>", .rustV0),
        Example("_RNvXs_Csai4GBYXPky7_7fixtureAhj4_NtB4_8Checksum8checksum",
                "<[u8; 4] as fixture::Checksum>::checksum",
                "<[u8: 4] as fixture::Checksum>::checksum", .rustV0),
        Example("_RNvXCsai4GBYXPky7_7fixtureNtB2_6SquareNtB2_4Area4area",
                "<fixture::Square as fixture::Area>::area",
                "<fixture::Square as fixture::Area>::area", .rustV0),
        Example("_RNCINvNtCsjrHSEGnQ3l9_3std2rt10lang_startuE0Csai4GBYXPky7_7fixture",
                "std::rt::lang_start::<()>::{closure#0}",
                "std::rt::lang_start::<()>::{closure#0}", .rustV0),
        Example("$s4main3sum_4withS2i_SitF",
                "main.sum(_: Swift.Int, with: Swift.Int) -> Swift.Int",
                "main.sum(_:with:)", .swift),
        Example("$s4main7largestyxSgSayxGSLRzlFSi_Tg5",
                "generic specialization <Swift.Int> of main.largest<A where A: Swift.Comparable>(Swift.Array<A>) -> Swift.Optional<A>",
                "specialized <Swift.Int> main.largest<A>(_:)", .swift),
        Example("$s4main7largestyxSgSayxGSLRzlFSd_Tg5",
                "generic specialization <Swift.Double> of main.largest<A where A: Swift.Comparable>(Swift.Array<A>) -> Swift.Optional<A>",
                "specialized <Swift.Double> main.largest<A>(_:)", .swift),
        Example("$s4main7CounterC3add_5timesyx_SitSzRzs8SendableRzlF",
                "main.Counter.add<A where A: Swift.BinaryInteger, A: Swift.Sendable>(_: A, times: Swift.Int) -> ()",
                "main.Counter.add<A>(_:times:)", .swift),
        Example("$s4main7CounterC3add_5timesyx_SitSzRzs8SendableRzlFs5UInt8V_Tg5",
                "generic specialization <Swift.UInt8> of main.Counter.add<A where A: Swift.BinaryInteger, A: Swift.Sendable>(_: A, times: Swift.Int) -> ()",
                "specialized <Swift.UInt8> main.Counter.add<A>(_:times:)", .swift),
        Example("$s4main5apply_2toS3iXE_SitF27$s4main3runyS2iYaFS2iXEfU0_AA7CounterCTf1cn_nTf4ng_n",
                "function signature specialization <Arg[1] = Owned To Guaranteed> of function signature specialization <Arg[0] = [Closure Propagated : $s4main3runyS2iYaFS2iXEfU0_, Argument Types : [main.Counter]> of main.apply(_: (Swift.Int) -> Swift.Int, to: Swift.Int) -> Swift.Int",
                "specialized main.apply(_:to:)", .swift),
        Example("$s4main3runyS2iYaFS2iXEfU0_",
                "closure #2 (Swift.Int) -> Swift.Int in main.run(Swift.Int) async -> Swift.Int",
                "closure #2 in main.run(_:)", .swift),
        Example("$s4main3runyS2iYaFS2iXEfU0_TA",
                "partial apply forwarder for closure #2 (Swift.Int) -> Swift.Int in main.run(Swift.Int) async -> Swift.Int",
                "partial apply for closure #2 in main.run(_:)", .swift),
        Example("$s4main3runyS2iYaF5innerL_yS2iF",
                "inner #1 (Swift.Int) -> Swift.Int in main.run(Swift.Int) async -> Swift.Int",
                "inner #1 in main.run(_:)", .swift),
        Example("$sSa4mainSiRszlE5totalSiyFS2i_Sitcfu_",
                "implicit closure #1 (Swift.Int, Swift.Int) -> Swift.Int in (extension in main):Swift.Array<A where A == Swift.Int>.total() -> Swift.Int",
                "implicit closure #1 in (extension in main):Swift.Array<A>.total()", .swift),
        Example("$s4main6SquareVAA5ShapeA2aDP4areaSdyFTW",
                "protocol witness for main.Shape.area() -> Swift.Double in conformance main.Square : main.Shape in main",
                "protocol witness for main.Shape.area() in conformance main.Square", .swift),
        Example("$s4main6SquareVSLAASL2geoiySbx_xtFZTW",
                "protocol witness for static Swift.Comparable.>= infix(A, A) -> Swift.Bool in conformance main.Square : Swift.Comparable in main",
                "protocol witness for static Swift.Comparable.>= infix(_:_:) in conformance main.Square", .swift),
        Example("$s4main6SquareV1loiySbAC_ACtFZ",
                "static main.Square.< infix(main.Square, main.Square) -> Swift.Bool",
                "static main.Square.< infix(_:_:)", .swift),
        Example("$s4main6SquareV4nameSSvg",
                "main.Square.name.getter : Swift.String",
                "main.Square.name.getter", .swift),
        Example("$s4main6SquareV4sideSdvM.resume.0",
                "main.Square.side.modify : Swift.Double with unmangled suffix \".resume.0\"",
                "main.Square.side.modify", .swift),
        Example("$s4main6SquareVySdSicig",
                "main.Square.subscript.getter : (Swift.Int) -> Swift.Double",
                "main.Square.subscript.getter", .swift),
        Example("$s4main6SquareV4sideACSd_tcfC",
                "main.Square.init(side: Swift.Double) -> main.Square",
                "main.Square.init(side:)", .swift),
        Example("$s4main6SquareV4textACSgSS_tcfC",
                "main.Square.init(text: Swift.String) -> Swift.Optional<main.Square>",
                "main.Square.init(text:)", .swift),
        Example("$s4main7CounterCACycfC",
                "main.Counter.__allocating_init() -> main.Counter",
                "main.Counter.__allocating_init()", .swift),
        Example("$s4main7CounterCfD",
                "main.Counter.__deallocating_deinit",
                "main.Counter.__deallocating_deinit", .swift),
        Example("$s4main5TokenO5isEndSbvg",
                "main.Token.isEnd.getter : Swift.Bool",
                "main.Token.isEnd.getter", .swift),
        Example("$s4main7CounterC5fetch5labelSiSS_tYaF",
                "main.Counter.fetch(label: Swift.String) async -> Swift.Int",
                "main.Counter.fetch(label:)", .swift),
        Example("$s4main7CounterC5fetch5labelSiSS_tYaFTQ0_",
                "(1) await resume partial function for main.Counter.fetch(label: Swift.String) async -> Swift.Int",
                "main.Counter.fetch(label:)", .swift),
        Example("$s4main7CounterC5checkyS2iKF",
                "main.Counter.check(Swift.Int) throws -> Swift.Int",
                "main.Counter.check(_:)", .swift),
        Example("$s4main7CounterC5countSivpWvd",
                "direct field offset for main.Counter.count : Swift.Int",
                "direct field offset for main.Counter.count", .swift),
        Example("$s10SwiftBuild14SWBBuildServerC17reportEventStream33_829DD096D8631D42CF69C27FB972D97BLLyyScSyAA0aB7MessageOGYaF",
                "SwiftBuild.SWBBuildServer.(reportEventStream in _829DD096D8631D42CF69C27FB972D97B)(Swift.AsyncStream<SwiftBuild.SwiftBuildMessage>) async -> ()",
                "SwiftBuild.SWBBuildServer.reportEventStream(_:)", .swift),
        Example("$s10SwiftBuild14SWBBuildServerC020scheduleRegeneratingB11Description33_829DD096D8631D42CF69C27FB972D97BLLyyFyyYaYbcfU_",
                "closure #1 @Sendable () async -> () in SwiftBuild.SWBBuildServer.(scheduleRegeneratingBuildDescription in _829DD096D8631D42CF69C27FB972D97B)() -> ()",
                "closure #1 in SwiftBuild.SWBBuildServer.scheduleRegeneratingBuildDescription()", .swift),
        Example("$s10SwiftBuild0aB7MessageO0B14DiagnosticInfoV6encode2toys7Encoder_p_tKFTm",
                "merged SwiftBuild.SwiftBuildMessage.BuildDiagnosticInfo.encode(to: Swift.Encoder) throws -> ()",
                "merged SwiftBuild.SwiftBuildMessage.BuildDiagnosticInfo.encode(to:)", .swift),
        Example("$s12PackageGraph07ModulesB0Vs5Error_pIegHozo_ACsAD_pIegHrzo_TR",
                "reabstraction thunk helper from @escaping @callee_guaranteed @async () -> (@owned PackageGraph.ModulesGraph, @error @owned Swift.Error) to @escaping @callee_guaranteed @async () -> (@out PackageGraph.ModulesGraph, @error @owned Swift.Error)",
                "reabstraction thunk helper", .swift),
    ]

    @Test(arguments: examples) func realSymbols(_ example: Example) throws {
        let name = try #require(Demangler.demangle(example.mangled))
        #expect(name.full == example.full)
        #expect(name.short == example.short)
        #expect(name.scheme == example.scheme)
        let isMangled = example.mangled.utf8.withContiguousStorageIfAvailable {
            Demangler.isMangled(UnsafeRawBufferPointer($0))
        }
        #expect(isMangled == true)
    }

    /// Specializations for different types differ in their full names and in their labels (folded text and
    /// flamegraphs name frames by labels: one label would merge two functions).
    @Test func specializationsDifferInFullAndShort() throws {
        let int = try #require(Demangler.demangle("$s4main7largestyxSgSayxGSLRzlFSi_Tg5"))
        let double = try #require(Demangler.demangle("$s4main7largestyxSgSayxGSLRzlFSd_Tg5"))
        #expect(int.full != double.full)
        #expect(int.short != double.short)
    }

    // MARK: - Suffixes and prefixes perf and nm add

    @Test func symbolVersionsAreDropped() throws {
        #expect(Demangler.demangle("_ZNSt8ios_base4InitC1Ev@GLIBCXX_3.4")?.full == "std::ios_base::Init::Init()")
        #expect(Demangler.demangle("_ZN4pyro7Counter3addEic@@GLIBCXX_3.4")?.short == "pyro::Counter::add")
        #expect(Demangler.demangle("$s4main3sum_4withS2i_SitF@@VERS_1.0")?.short == "main.sum(_:with:)")
        #expect(Demangler.demangle("memcpy@@GLIBC_2.14") == nil)
        #expect(Demangler.demangle("__libc_start_main@GLIBC_2.34") == nil)
        // A PLT stub is other code than the function: it keeps its marker.
        let plt = try #require(Demangler.demangle("_Z3fooi@plt"))
        #expect(plt.full == "foo(int)@plt")
        #expect(plt.short == "foo@plt")
    }

    @Test(arguments: [
        ("_Z3fooi.constprop.0", "foo(int) [clone .constprop.0]"), ("_Z3fooi.isra.0", "foo(int) [clone .isra.0]"),
        ("_Z3fooi.part.0", "foo(int) [clone .part.0]"), ("_Z3fooi.cold", "foo(int) [clone .cold]"),
        ("_Z3fooi.lto_priv.0", "foo(int) [clone .lto_priv.0]"),
        ("_Z3fooi.part.0.cold", "foo(int) [clone .part.0] [clone .cold]"),
        ("_Z3fooi.llvm.8430123456", "foo(int) [clone .llvm.8430123456]"),
    ])
    func cloneSuffixes(_ mangled: String, _ full: String) throws {
        let name = try #require(Demangler.demangle(mangled))
        #expect(name.full == full)
        #expect(name.short == "foo")
    }

    @Test func swiftPrefixesAndSuffixes() throws {
        // perf prints Swift symbols with the Mach-O underscore sometimes.
        #expect(Demangler.demangle("_$s4main3sum_4withS2i_SitF") == Demangler.demangle("$s4main3sum_4withS2i_SitF"))
        let cold = try #require(Demangler.demangle("$s4main3sum_4withS2i_SitF.cold"))
        #expect(cold.full == "main.sum(_: Swift.Int, with: Swift.Int) -> Swift.Int with unmangled suffix \".cold\"")
        #expect(cold.short == "main.sum(_:with:)")
        #expect(Demangler.demangle("$e4main3sumyyF")?.full == "main.sum() -> ()")
    }

    // MARK: - What is not a mangled name

    @Test(arguments: [
        "main", "_start", "__libc_start_main_impl", "_ZZ", "_Rfoo", "_R0", "_Rb_tree_increment", "_Z", "_ZN",
        "_Znot-valid", "$s", "_$s", "$sfoo", "_T0", "_T0garbage", "", "_", "$", "@", "@@GLIBC_2.2.5",
        "[unknown]", "0x7f00deadbeef", "Lcom/example/Foo;::run", "net/http.(*Client).Do",
    ])
    func notMangled(_ symbol: String) {
        #expect(Demangler.demangle(symbol) == nil)
    }

    @Test func nulBytesAreRejected() {
        #expect(Demangler.demangle("_Z3fooi\u{0}junk") == nil)
        #expect(Demangler.demangle("$s4main3sum_4withS2i_SitF\u{0}") == nil)
        #expect(Demangler.demangle("_RNvCsai4GBYXPky7_7fixture3run\u{0}x") == nil)
        #expect(Demangler.demangle("\u{0}_Z3fooi") == nil)
    }

    /// 100 kB names of each scheme, valid-looking and random: no crash, an answer in reasonable time.
    @Test func longInputs() {
        let size = 100_000
        func repeated(_ prefix: String, _ unit: String, _ suffix: String = "") -> String {
            prefix + String(repeating: unit, count: (size - prefix.utf8.count) / unit.utf8.count) + suffix
        }
        var generator = SplitMix64(seed: 7)
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$.<>()".utf8)
        let random = { (prefix: String) -> String in
            let bytes = (0 ..< size).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            return prefix + String(decoding: bytes, as: UTF8.self)
        }
        let inputs = [
            repeated("_ZN", "3foo", "E"), repeated("_Z", "N3fooIS_E"), repeated("_ZN", "3fooIiE", "Ev"),
            repeated("_RNv", "NtCs1_3foo"), repeated("_RINv", "INtB2_3fooE"), repeated("$s", "4main"),
            repeated("$s4main", "SayxG", "F"), repeated("_$s", "Sg"), repeated("_T0", "Sa"),
            random("_Z"), random("_R"), random("$s"), random("_$s"), random("_T0"),
        ]
        let clock = ContinuousClock()
        for input in inputs {
            let elapsed = clock.measure {
                if let name = Demangler.demangle(input) { #expect(!name.short.contains(";")) }
            }
            #expect(elapsed < .seconds(10), "\(input.prefix(12))…: \(elapsed)")
        }
    }

    @Test func isMangledLooksAtThePrefixOnly() {
        func check(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { Demangler.isMangled(UnsafeRawBufferPointer($0)) }
        }
        for yes in ["_Z3fooi", "_ZZ", "_RNvC", "_R0", "$s4main", "_$s4main", "$S4main", "_$S4", "$e4", "_$e4", "_T0S"] {
            #expect(check(yes), "\(yes)")
        }
        for no in ["", "_", "_Z", "$s", "main", "_Rb_tree", "_Rfoo", "__Z3fooi", "_T1", "$x4", "_$x", "Z3foo"] {
            #expect(!check(no), "\(no)")
        }
    }

    /// Demangling from several threads at once gives what one thread gives.
    @Test func concurrentUse() async {
        let expected = Self.examples.map { Demangler.demangle($0.mangled) }
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0 ..< 4 {
                group.addTask {
                    for _ in 0 ..< 50 where Self.examples.map({ Demangler.demangle($0.mangled) }) != expected {
                        return false
                    }
                    return true
                }
            }
            for await same in group { #expect(same) }
        }
    }

    // MARK: - Real binaries, checked against the reference demanglers

    @Test(ExternalTool.gxx.needed, ExternalTool.binutils.needed)
    func cxxWithGCC() throws {
        try Self.checkCxx(try Programs.gcc())
    }

    @Test(ExternalTool.clang.needed, ExternalTool.binutils.needed)
    func cxxWithClang() throws {
        try Self.checkCxx(try Programs.clang())
    }

    /// The program's own symbols (libstdc++'s demangler and binutils' c++filt differ on some library names, such
    /// as `std::ostream` against `std::basic_ostream<char, std::char_traits<char> >`).
    static func checkCxx(_ binary: String) throws {
        let symbols = try Programs.symbols(binary).filter {
            $0.hasPrefix("_Z") && ($0.contains("4pyro") || $0.contains("4main"))
        }
        #expect(symbols.count >= 10, "\(symbols)")
        let reference = try Tools.cxxfilt(symbols)
        // The name functions are keyed by is perf's: `c++filt -p`; the label is inferno's shortening of it.
        let perfNames = try Tools.cxxfilt(symbols, parameters: false)
        for (symbol, (expected, perfName)) in zip(symbols, zip(reference, perfNames)) {
            let name = try #require(Demangler.demangle(symbol), "\(symbol)")
            #expect(name.full == expected)
            #expect(name.name == perfName)
            #expect(name.short == ShortName.withoutParameters(perfName))
            #expect(name.scheme == .itanium)
        }
        let shorts = Set(try symbols.map { try #require(Demangler.demangle($0)).short })
        for short in ["pyro::total<double>", "pyro::total<int>", "pyro::Counter::add",
                      "pyro::(anonymous namespace)::hidden", "pyro::apply"] {
            #expect(shorts.contains(short), "\(shorts.sorted())")
        }
    }

    @Test(ExternalTool.rustc.needed, ExternalTool.binutils.needed)
    func rustLegacy() throws {
        let symbols = try Programs.symbols(try Programs.rust("legacy")).filter { $0.hasPrefix("_ZN") }
        #expect(symbols.contains { $0.contains("7fixture") })
        // c++filt keeps the hash (binutils 2.40); we drop it as rustfilt and perf do.
        let reference = try Tools.cxxfilt(symbols).map { Self.replacing(#"::h[0-9a-f]{16}$"#, in: $0, with: "") }
        for (symbol, expected) in zip(symbols, reference) {
            let name = try #require(Demangler.demangle(symbol), "\(symbol)")
            #expect(name.full == expected)
            #expect(name.scheme == .rustLegacy)
            #expect(name.short == ShortName.withoutParameters(expected))
        }
        let shorts = Set(try symbols.map { try #require(Demangler.demangle($0)).short })
        #expect(shorts.isSuperset(of: ["fixture::run", "fixture::total", "<fixture::Square as fixture::Area>::area",
                                       "<[u8: 4] as fixture::Checksum>::checksum"]), "\(shorts.sorted())")
    }

    @Test(ExternalTool.rustc.needed, ExternalTool.binutils.needed)
    func rustV0() throws {
        let symbols = try Programs.symbols(try Programs.rust("v0")).filter { $0.hasPrefix("_R") }
        #expect(symbols.count >= 10)
        // c++filt prints crate disambiguators (`fixture[1a2b…]`) and const generic types (`4: usize`).
        let reference = try Tools.cxxfilt(symbols).map {
            let withoutDisambiguators = Self.replacing(#"\[[0-9a-f]+\]"#, in: $0, with: "")
            return Self.replacing(#"([0-9]+): [iu](8|16|32|64|128|size)"#, in: withoutDisambiguators, with: "$1")
        }
        for (symbol, expected) in zip(symbols, reference) {
            let name = try #require(Demangler.demangle(symbol), "\(symbol)")
            #expect(name.full == expected)
            #expect(name.scheme == .rustV0)
            #expect(name.short == expected.replacingOccurrences(of: ";", with: ":"))
        }
        let shorts = Set(try symbols.map { try #require(Demangler.demangle($0)).short })
        #expect(shorts.isSuperset(of: ["fixture::run", "fixture::total::<fixture::Square>",
                                       "<fixture::Square as fixture::Area>::area",
                                       "<[u8: 4] as fixture::Checksum>::checksum"]), "\(shorts.sorted())")
    }

    @Test(ExternalTool.binutils.needed)
    func swiftSymbols() throws {
        var shorts: Set<String> = []
        for optimized in [true, false] {
            let symbols = try Programs.symbols(try Programs.swift(optimized: optimized)).filter {
                $0.hasPrefix("$s4main") || $0.hasPrefix("$sSa4main")
            }
            let reference = try Tools.swiftDemangle(symbols)
            for (symbol, expected) in zip(symbols, reference) {
                let name = try #require(Demangler.demangle(symbol), "\(symbol)")
                #expect(name.full == expected)
                #expect(name.scheme == .swift)
                Self.checkSwiftShort(name.short, of: expected)
                shorts.insert(name.short)
            }
        }
        let expected: Set = [
            "main.sum(_:with:)", "main.run(_:)", "closure #1 in main.run(_:)",
            "partial apply for closure #2 in main.run(_:)",
            "inner #1 in main.run(_:)", "main.largest<A>(_:)", "specialized <Swift.Int> main.largest<A>(_:)",
            "main.Counter.add<A>(_:times:)", "specialized <Swift.UInt8> main.Counter.add<A>(_:times:)",
            "specialized main.apply(_:to:)",
            "protocol witness for main.Shape.area() in conformance main.Square",
            "protocol witness for main.Shape.name.getter in conformance main.Square",
            "protocol witness for static Swift.Comparable.>= infix(_:_:) in conformance main.Square",
            "static main.Square.< infix(_:_:)", "main.Square.name.getter", "main.Square.side.setter",
            "main.Square.side.modify", "main.Square.subscript.getter", "main.Square.init(side:)",
            "main.Square.init(text:)", "main.Counter.init()", "main.Counter.deinit", "main.Counter.doubled.getter",
            "main.Token.isEnd.getter", "main.Counter.fetch(label:)", "main.Counter.check(_:)",
            "(extension in main):Swift.Array<A>.total()",
            "implicit closure #1 in (extension in main):Swift.Array<A>.total()",
        ]
        #expect(expected.subtracting(shorts).isEmpty, "missing \(expected.subtracting(shorts).sorted())")
    }

    /// What a Swift label never holds: types after `->` or `:`, generic requirements, discriminators, suffixes, and
    /// the specialization's own description; and its brackets balance.
    static func checkSwiftShort(_ short: String, of full: String) {
        let isData = ["metadata", "descriptor", "outlined", "witness table", "cache variable", "value witness"]
            .contains { full.contains($0) }
        if !isData {
            #expect(!short.contains(" -> "), "\(short) ← \(full)")
            #expect(!short.contains(" : "), "\(short) ← \(full)")
        }
        for fragment in [" where ", "unmangled suffix", "specialization <", "resume partial function", "forwarder"] {
            #expect(!short.contains(fragment), "\(short) ← \(full)")
        }
        #expect(short.filter { $0 == "(" }.count == short.filter { $0 == ")" }.count, "\(short) ← \(full)")
        #expect(short.utf8.count <= full.utf8.count, "\(short) ← \(full)")
    }

    static func replacing(_ pattern: String, in text: String, with template: String) -> String {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        return regex.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text),
                                              withTemplate: template)
    }
}
