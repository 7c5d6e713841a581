import PyrometerDemangle
import Testing

@Suite struct ShortNameTests {
    // MARK: - C++ and legacy Rust: inferno's rule

    @Test(arguments: [
        ("foo::bar<int>(int, char) const", "foo::bar<int>"),
        ("std::function<void ()>::operator()() const", "std::function<void ()>::operator()"),
        ("double pyro::total<double>(std::vector<pyro::Vec<double>, std::allocator<pyro::Vec<double> > > const&)",
         "double pyro::total<double>"),
        ("pyro::(anonymous namespace)::hidden(int)", "pyro::(anonymous namespace)::hidden"),
        ("std::_Function_handler<int (int), main::{lambda(int)#1}>::_M_invoke(std::_Any_data const&, int&&)",
         "std::_Function_handler<int (int), main::{lambda(int)#1}>::_M_invoke"),
        ("main::{lambda(int, int)#1}::operator()(int, int) const", "main::{lambda(int, int)#1}::operator()"),
        ("foo(int) [clone .constprop.0]", "foo"),
        ("int std::array<int, 3ul>::operator[](unsigned long)", "int std::array<int, 3ul>::operator[]"),
        ("bool pyro::operator<(pyro::A const&, pyro::A const&)", "bool pyro::operator<"),
        ("pyro::A::operator<<(int)", "pyro::A::operator<<"),
        ("pyro::A::operator->() const", "pyro::A::operator->"),
        ("pyro::A::operator>=(pyro::A const&) const", "pyro::A::operator>="),
        ("std::less<void>::operator()<int&, int&>(int&, int&) const", "std::less<void>::operator()<int&, int&>"),
        ("std::ostream& std::operator<< <std::char_traits<char> >(std::ostream&, char const*)",
         "std::ostream& std::operator<< <std::char_traits<char> >"),
        ("pyro::A::operator new[](unsigned long)", "pyro::A::operator new[]"),
        ("pyro::A::operator bool() const", "pyro::A::operator bool"),
        ("pyro::my_operator(int)", "pyro::my_operator"),
        // As inferno (perf's names): Go receivers, `;` turned into `:`, names without parameters.
        ("net/http.(*Client).Do", "net/http.(*Client).Do"),
        ("main.(*T).m(int)", "main.(*T).m"),
        ("Lcom/example/Foo;::run", "Lcom/example/Foo:::run"),
        ("std::function<int (int, int)>::operator()", "std::function<int (int, int)>::operator"),
        ("<[u8; 4] as fixture::Checksum>::checksum", "<[u8: 4] as fixture::Checksum>::checksum"),
        ("main", "main"), ("", ""), ("(", ""), ("operator", "operator"), ("operator(", "operator"),
    ])
    func withoutParameters(_ name: String, _ short: String) {
        #expect(ShortName.withoutParameters(name) == short)
    }

    // MARK: - Swift

    @Test(arguments: [
        ("main.sum(_: Swift.Int, with: Swift.Int) -> Swift.Int", "main.sum(_:with:)"),
        ("main.f() -> ()", "main.f()"),
        ("main.f((Swift.Int, Swift.Int)) -> ()", "main.f(_:)"),
        ("main.f(_: inout Swift.Int, into: inout Swift.Hasher) throws(main.E) -> ()", "main.f(_:into:)"),
        ("main.f(`in`: Swift.Int) -> ()", "main.f(`in`:)"),
        ("main.Foo.bar.getter : Swift.Int", "main.Foo.bar.getter"),
        ("main.counter : Swift.Int", "main.counter"),
        ("static Swift.Comparable...< infix(A, A) -> Swift.Range<A>", "static Swift.Comparable...< infix(_:_:)"),
        ("static (extension in main):main.Deque<A where A: Swift.Equatable>.== infix(main.Deque<A>, main.Deque<A>) -> Swift.Bool",
         "static (extension in main):main.Deque<A>.== infix(_:_:)"),
        ("SWBCore.(< infix in _02E29C2CDABF15C01B3E4CEF0E561D16)(SWBCore.A, SWBCore.A) -> Swift.Bool",
         "SWBCore.< infix(_:_:)"),
        ("main.(helper in _ABCDEF0123)<A where A: Swift.Hashable>(A) -> ()", "main.helper<A>(_:)"),
        ("closure #1 @Sendable (Swift.UInt64) -> main.M in main.f(for: main.R) async throws -> main.I",
         "closure #1 in main.f(for:)"),
        ("closure #1 (Swift.Int) -> () in closure #2 (inout Swift.Array<Swift.Int>) -> () in main.g() -> ()",
         "closure #1 in closure #2 in main.g()"),
        ("outlined variable #0 of main.f() -> Swift.Int", "outlined variable #0 of main.f()"),
        ("Factory #1 in main.f() -> Swift.Int", "Factory #1 in main.f()"),
        ("(1) await resume partial function for partial apply forwarder for generic not re-abstracted specialization <(Swift.Int, Swift.String)> of implicit closure #3 () async throws -> B in static main.P.(get in _3957)<A, B>(url: main.U) async throws -> (status: Swift.Int, output: B)",
         "partial apply for specialized <(Swift.Int, Swift.String)> implicit closure #3 in static main.P.get<A, B>(url:)"),
        ("merged function signature specialization <Arg[0] = Owned To Guaranteed> of main.A.b.setter : main.T",
         "merged specialized main.A.b.setter"),
        ("key path getter for main.A.b : Swift.Optional<main.T> : main.A", "key path getter for main.A.b"),
        ("reabstraction thunk helper <A where A: main.P> from @escaping @callee_guaranteed (@in_guaranteed A) -> (@owned main.S) to @escaping @callee_guaranteed (@in_guaranteed A) -> (@out main.S)",
         "reabstraction thunk helper <A>"),
        ("reabstraction thunk helper from @escaping @callee_unowned @convention(block) @Sendable (@unowned Swift.Optional<Foundation.NSError>) -> () to @escaping @callee_guaranteed @Sendable (@guaranteed Swift.Optional<Swift.Error>) -> ()",
         "reabstraction thunk helper"),
        ("Basics.Client.execute@Sendable (_: Basics.Request, progress: Swift.Int) async throws -> Basics.Response",
         "Basics.Client.execute@Sendable (_:progress:)"),
        ("type metadata accessor for main.Token", "type metadata accessor for main.Token"),
        ("main.Shape", "main.Shape"),
    ])
    func swift(_ full: String, _ short: String) {
        #expect(ShortName.swift(full) == short)
    }

    // MARK: - Fuzzing

    /// Demangled names of every kind, the seeds of the mutations.
    static let seeds: [String] = DemanglerTests.examples.flatMap { [$0.full, $0.short] } + [
        "static Swift.Comparable...< infix(A, A) -> Swift.Range<A>",
        "(extension in main):Swift.Array<A where A == Swift.Int>.total() -> Swift.Int",
        "function signature specialization <Arg[0] = [Closure Propagated : $s4main3runyyYaFS2iXEfU_, Argument Types : []> of main.apply(_: (Swift.Int) -> Swift.Int, to: Swift.Int) -> Swift.Int",
        "closure #2 @Sendable (<<opaque return type of (extension in S):F.H.bytes() -> some>>.0) async throws -> Swift.Array<Swift.UInt8> in static (extension in S):F.P.m(url: F.U) async throws -> (exitStatus: S.E, output: F.D)",
        "protocol witness for static Swift.Equatable.== infix(A, A) -> Swift.Bool in conformance main.E : Swift.Equatable in main",
        "reabstraction thunk helper <A, B><A1 where A: Swift.Hashable> from @callee_guaranteed (@unowned Swift.UnsafeBufferPointer<B>) -> (@out A1, @error @owned Swift.Error) to @escaping @callee_guaranteed (@unowned Swift.UnsafeBufferPointer<B>) -> (@out A1, @error @out Swift.Error) with unmangled suffix \".1\"",
    ]

    /// Random edits of real demangled names (brackets and keywords inserted, ranges cut, doubled or swapped with
    /// another name's, truncation): the shorteners never crash and never return a `;`.
    @Test func shortenersSurviveMutations() {
        var generator = SplitMix64(seed: 42)
        let pieces = ["(", ")", "<", ">", "[", "]", "{", "}", " -> ", " : ", " in ", " where ", "#1 ", "(1) ", ", ",
                      ".", " infix", "...<", "->", ">>", "<<", "operator", "operator()", "(anonymous namespace)",
                      " in _0A1B2C)", "(x in _", "generic specialization <", "> of ", "function signature ",
                      "specialization <", "partial apply forwarder for ", "reabstraction thunk ", " from ",
                      " with unmangled suffix \"", "closure #", "@convention(", "throws(", ";", "\u{0}", "é", "`"]
        for round in 0 ..< 20_000 {
            var bytes = Array(Self.seeds[Int(generator.next() % UInt64(Self.seeds.count))].utf8)
            for _ in 0 ... Int(generator.next() % 4) {
                let at = bytes.isEmpty ? 0 : Int(generator.next() % UInt64(bytes.count + 1))
                switch generator.next() % 6 {
                case 0:
                    bytes.insert(contentsOf: pieces[Int(generator.next() % UInt64(pieces.count))].utf8, at: at)
                case 1:
                    let end = min(bytes.count, at + Int(generator.next() % 24))
                    bytes.removeSubrange(at ..< end)
                case 2:
                    let end = min(bytes.count, at + Int(generator.next() % 40))
                    bytes.insert(contentsOf: bytes[at ..< end], at: at)
                case 3:
                    bytes = Array(bytes.prefix(at))
                case 4:
                    let other = Array(Self.seeds[Int(generator.next() % UInt64(Self.seeds.count))].utf8)
                    bytes = Array(bytes.prefix(at)) + other.suffix(Int(generator.next() % UInt64(other.count + 1)))
                default:
                    if !bytes.isEmpty { bytes[min(at, bytes.count - 1)] = UInt8(truncatingIfNeeded: generator.next()) }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let swift = ShortName.swift(text)
            let cxx = ShortName.withoutParameters(text)
            if swift.contains(";") || cxx.contains(";") {
                Issue.record("round \(round): \(text)")
            }
        }
    }

    /// Random edits of real mangled names go through the C demanglers without a crash.
    @Test func demanglersSurviveMutations() {
        var generator = SplitMix64(seed: 1234)
        let alphabet = Array("_$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.@".utf8)
        let seeds = DemanglerTests.examples.map { Array($0.mangled.utf8) }
        for _ in 0 ..< 20_000 {
            var bytes = seeds[Int(generator.next() % UInt64(seeds.count))]
            for _ in 0 ... Int(generator.next() % 4) {
                let at = 2 + Int(generator.next() % UInt64(max(1, bytes.count - 1)))
                guard at <= bytes.count else { continue }
                switch generator.next() % 4 {
                case 0: bytes.insert(alphabet[Int(generator.next() % UInt64(alphabet.count))], at: at)
                case 1: if at < bytes.count { bytes.remove(at: at) }
                case 2: bytes = Array(bytes.prefix(at))
                default:
                    let end = min(bytes.count, at + Int(generator.next() % 16))
                    bytes.insert(contentsOf: bytes[at ..< end], at: at)
                }
            }
            if let name = Demangler.demangle(String(decoding: bytes, as: UTF8.self)) {
                #expect(!name.short.contains(";"))
            }
        }
    }

    /// A 100 kB demangled-looking text: linear time, whatever its shape.
    @Test func longText() {
        let clock = ContinuousClock()
        for unit in ["closure #1 (A) -> B in ", "main.f<A where A: P>(_: A, b: B) -> C.", "#1 x", "((((", "<<<<",
                     "(x in _AB)", " : T in conformance X", "Swift.Int.< infix(", "generic specialization <"] {
            let text = String(repeating: unit, count: 100_000 / unit.utf8.count)
            let elapsed = clock.measure {
                _ = ShortName.swift(text)
                _ = ShortName.withoutParameters(text)
            }
            #expect(elapsed < .seconds(5), "\(unit): \(elapsed)")
        }
    }
}

/// A small seeded generator, so that the fuzz tests are the same on every run.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
