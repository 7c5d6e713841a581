/// The mangling schemes `Demangler` knows.
public enum ManglingScheme: Sendable, Hashable {
    /// Swift (`$s`, `_$s`, `$S`, `_$S`, `$e`, `_$e`, `_T0`).
    case swift
    /// C++, the Itanium ABI (`_Z`).
    case itanium
    /// Rust's legacy mangling: Itanium-shaped (`_ZN…17h<hash>E`), with a hash and rustc's `$..$` escapes.
    case rustLegacy
    /// Rust's v0 mangling (`_R`).
    case rustV0
}

/// A demangled symbol: the name functions are told apart by, its complete form, and the label a flamegraph frame
/// shows.
public struct DemangledName: Sendable, Equatable {
    /// The name analyses key functions by: for C++ and legacy Rust the name as `perf script` prints it (libiberty's
    /// `cplus_demangle` without options: no parameter lists or return type, `accumulate<float>`), so that a
    /// recording names its functions alike whether perf or Pyrometer demangled them; `full` for Swift and Rust v0.
    public var name: String
    /// The complete demangled name: C++ with parameter lists, return types and clone suffixes
    /// (`foo(int) [clone .constprop.0]`), Swift with types (`main.sum(_: Swift.Int, with: Swift.Int) -> Swift.Int`),
    /// Rust paths without the legacy hash.
    public var full: String
    /// The display label: `full` without parameter lists and types (see `ShortName`). Never contains `;`, the
    /// folded-stack separator.
    public var short: String
    /// The scheme the symbol was mangled with.
    public var scheme: ManglingScheme

    public init(name: String? = nil, full: String, short: String, scheme: ManglingScheme) {
        self.name = name ?? full
        self.full = full
        self.short = short
        self.scheme = scheme
    }
}
