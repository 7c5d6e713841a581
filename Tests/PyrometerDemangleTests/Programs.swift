import Foundation

/// Small programs compiled by the tests (once per run, into a temporary folder) for their real symbols, and the
/// reference demanglers (`c++filt`, `swift-demangle`) they are checked against.
enum Programs {
    static let cxx = """
        #include <cstdio>
        #include <functional>
        #include <vector>
        namespace pyro {
        template <typename T> struct Vec { T x, y; };
        template <typename T> __attribute__((noinline)) T total(const std::vector<Vec<T>> &v) {
            T sum = 0; for (auto &e : v) sum += e.x * e.y; return sum;
        }
        struct Counter {
            int count = 0;
            __attribute__((noinline)) void add(int n, char c) { count += n + c; }
            __attribute__((noinline)) int get() const { return count; }
            __attribute__((noinline)) bool operator<(const Counter &o) const { return count < o.count; }
            __attribute__((noinline)) int operator()(int x) const { return count * x; }
        };
        namespace {
        __attribute__((noinline)) int hidden(int x) { return x * 3 + 1; }
        }
        __attribute__((noinline)) int apply(const std::function<int(int)> &f, int x) { return f(x); }
        static __attribute__((noinline)) int scaled(int x, int factor) { return x * factor + (x >> 3); }
        }  // namespace pyro
        int main(int argc, char **) {
            std::vector<pyro::Vec<double>> dv{{1.0, 2.0}};
            std::vector<pyro::Vec<int>> iv{{1, 2}};
            pyro::Counter c, d;
            c.add(argc, 'a');
            int base = 7;
            auto lambda = [&](int v) { return v + base + c.get(); };
            std::printf("%f %d %d %d %d %d %d\\n", pyro::total(dv), pyro::total(iv), pyro::apply(lambda, argc),
                        c < d, c(argc), pyro::hidden(argc), pyro::scaled(argc, 5) + pyro::scaled(argc + 1, 5));
            return 0;
        }
        """

    static let rust = """
        // Generics, traits, closures, and an array type (`[u8; 4]`) in a path.
        use std::collections::HashMap;
        pub trait Area { fn area(&self) -> f64; }
        pub struct Square(pub f64);
        impl Area for Square {
            #[inline(never)]
            fn area(&self) -> f64 { self.0 * self.0 }
        }
        pub trait Checksum { fn checksum(&self) -> u32; }
        impl Checksum for [u8; 4] {
            #[inline(never)]
            fn checksum(&self) -> u32 { self.iter().map(|&b| b as u32).sum() }
        }
        #[inline(never)]
        pub fn total<T: Area>(items: &[T]) -> f64 { items.iter().map(|i| i.area()).sum() }
        #[inline(never)]
        fn run(n: usize) -> f64 {
            let squares: Vec<Square> = (0..n).map(|i| Square(i as f64 * 1.5)).collect();
            let mut counts: HashMap<String, usize> = HashMap::new();
            *counts.entry(format!("{n}")).or_default() += 1;
            total(&squares) + counts.len() as f64 + [1u8, 2, 3, n as u8].checksum() as f64
        }
        fn main() {
            let n = std::env::args().count();
            println!("{}", run(n + 3));
        }
        """

    static let swift = """
        public protocol Shape { func area() -> Double; var name: String { get } }
        public struct Square: Shape, Comparable {
            public var side: Double
            public init(side: Double) { self.side = side }
            public init?(text: String) { guard let side = Double(text) else { return nil }; self.side = side }
            public func area() -> Double { side * side }
            public var name: String { "square" }
            public subscript(index: Int) -> Double { get { side * Double(index) } set { side = newValue } }
            public static func < (lhs: Square, rhs: Square) -> Bool { lhs.side < rhs.side }
        }
        public enum Token: Equatable { case number(Int), word(String, count: Int), end
            public var isEnd: Bool { if case .end = self { return true }; return false } }
        public final class Counter {
            public var count = 0
            public var doubled: Int { get { count * 2 } set { count = newValue / 2 } }
            public init() {}
            @inline(never) public func add<T: BinaryInteger>(_ x: T, times: Int = 1) where T: Sendable {
                count += Int(x) * times
            }
            @inline(never) public func fetch(label: String) async -> Int {
                await Task.yield()
                return count + label.count
            }
            @inline(never) public func check(_ x: Int) throws -> Int {
                if x < 0 { throw Failure.negative(x) }
                return x
            }
        }
        public enum Failure: Error { case negative(Int) }
        extension Array where Element == Int { @inline(never) public func total() -> Int { reduce(0, +) } }
        @inline(never) public func sum(_ a: Int, with b: Int) -> Int { a + b }
        @inline(never) public func largest<T: Comparable>(_ xs: [T]) -> T? { xs.max() }
        @inline(never) public func apply(_ f: (Int) -> Int, to x: Int) -> Int { f(x) }
        public func run(_ n: Int) async -> Int {
            func inner(_ k: Int) -> Int { k &* 31 &+ n }
            let c = Counter(); c.add(n); c.add(UInt8(truncatingIfNeeded: n), times: 2)
            let shapes: [any Shape] = [Square(side: Double(n)), Square(text: "2") ?? Square(side: 1)]
            var sq = Square(side: 3); sq[2] = Double(n)
            let tokens: [Token] = [.number(n), .word("a", count: 2), .end]
            var result = (largest([1, n, 3]) ?? 0) + Int(largest([1.5, Double(n)]) ?? 0) + (largest(["a"])?.count ?? 0)
            result += apply({ $0 * 2 }, to: n) + apply({ x in x + c.count }, to: inner(n))
            for s in shapes { result += Int(s.area()) + s.name.count }
            result += Int(sq[1]) + (sq < Square(side: 4) ? 1 : 0) + tokens.filter { $0.isEnd }.count
            result += await c.fetch(label: "x") + ((try? c.check(n)) ?? 0) + [1, n].total() + sum(n, with: 2)
            c.doubled = n; return result + c.doubled
        }
        print(await run(CommandLine.arguments.count))
        """

    // MARK: - Building

    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("pyrometer-demangle-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    private static let lock = NSLock()
    nonisolated(unsafe) private static var built: [String: String] = [:]

    /// Writes `source` as `name.extension` and runs `command` (`{src}` and `{out}` replaced) once; returns the
    /// binary's path.
    static func build(_ name: String, source: String, extension: String, _ command: [String]) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let path = built[name] { return path }
        let sourceURL = directory.appendingPathComponent("\(name).\(`extension`)")
        try Data(source.utf8).write(to: sourceURL)
        let output = directory.appendingPathComponent(name).path
        let arguments = command.map {
            $0.replacingOccurrences(of: "{out}", with: output).replacingOccurrences(of: "{src}", with: sourceURL.path)
        }
        let result = try Tools.run(arguments)
        guard result.status == 0 else {
            throw ProgramError("building \(name) failed (\(arguments.joined(separator: " "))):\n\(result.err)")
        }
        built[name] = output
        return output
    }

    static func gcc() throws -> String {
        try build("cxx-gcc", source: cxx, extension: "cpp", ["g++", "-O2", "-o", "{out}", "{src}"])
    }
    static func clang() throws -> String {
        try build("cxx-clang", source: cxx, extension: "cpp", ["clang++", "-O2", "-o", "{out}", "{src}"])
    }
    /// Legacy mangling is rustc's default; v0 is asked for (stable since Rust 1.59).
    static func rust(_ mangling: String) throws -> String {
        try build("rust-\(mangling)", source: rust, extension: "rs",
                  ["rustc", "-C", "opt-level=2"] + (mangling == "legacy" ? [] : ["-C", "symbol-mangling-version=v0"])
                      + ["--crate-name", "fixture", "-o", "{out}", "{src}"])
    }
    /// `-O` for specializations, `-Onone` for closures and local functions (which `-O` inlines).
    static func swift(optimized: Bool) throws -> String {
        try build(optimized ? "swift-O" : "swift-Onone", source: swift, extension: "swift",
                  ["swiftc", optimized ? "-O" : "-Onone", "-module-name", "main", "-o", "{out}", "{src}"])
    }

    /// The defined symbols of `binary` (`nm`), unique and sorted.
    static func symbols(_ binary: String) throws -> [String] {
        let result = try Tools.run(["nm", "--defined-only", binary])
        guard result.status == 0 else { throw ProgramError("nm \(binary): \(result.err)") }
        let names = result.out.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
        return Set(names).sorted()
    }
}

/// External tools: whether they are installed, and running them.
enum Tools {
    static let searchPath: [String] = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map(String.init) + ["/opt/swift/usr/bin", NSHomeDirectory() + "/.cargo/bin"]
    }()

    static func has(_ tool: String) -> Bool {
        searchPath.contains { FileManager.default.isExecutableFile(atPath: $0 + "/" + tool) }
    }

    static func has(_ tools: String...) -> Bool { tools.allSatisfy { has($0) } }

    /// Runs `arguments` with `stdin`; returns (status, stdout, stderr).
    static func run(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = searchPath.joined(separator: ":")
        process.environment = environment
        let input = inputFile(stdin)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-demangle-\(UUID()).out")
        let err = out.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
            if let input { try? FileManager.default.removeItem(at: input) }
        }
        process.standardInput = try input.map { try FileHandle(forReadingFrom: $0) } ?? FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: out, encoding: .utf8),
                try String(contentsOf: err, encoding: .utf8))
    }

    /// `text` in a temporary file, for a process's standard input.
    private static func inputFile(_ text: String?) -> URL? {
        guard let text else { return nil }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pyrometer-demangle-\(UUID()).in")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8))
        return url
    }

    /// `names` demangled by `c++filt` (one per line, in order).
    /// `names` demangled by `c++filt`; with `parameters: false`, by `c++filt -p` (no parameter lists, no return
    /// type: the form perf prints).
    static func cxxfilt(_ names: [String], parameters: Bool = true) throws -> [String] {
        let result = try run(["c++filt"] + (parameters ? [] : ["-p"]), stdin: names.joined(separator: "\n") + "\n")
        return result.out.split(separator: "\n", omittingEmptySubsequences: false).prefix(names.count).map(String.init)
    }

    /// `names` demangled by `swift-demangle --compact --no-sugar` (the Swift runtime's `swift_demangle` prints
    /// `Swift.Array<A>`, not `[A]`).
    static func swiftDemangle(_ names: [String]) throws -> [String] {
        let result = try run(["swift-demangle", "--compact", "--no-sugar"], stdin: names.joined(separator: "\n") + "\n")
        return result.out.split(separator: "\n", omittingEmptySubsequences: false).prefix(names.count).map(String.init)
    }
}

struct ProgramError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
