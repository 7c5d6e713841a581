/// Compilers name the copies they make of a function after it: GCC's `burn.constprop.0`, `f.isra.0`, `f.part.0`,
/// `f.cold.1`, `f.lto_priv.0`, LLVM's `f.llvm.1234`, `f.specialized.1`, and `f(int) [clone .constprop.0]` once
/// demangled. The copy is the developer's `burn`, and perf itself names it so when it prints inline frames (`burn+0xb4
/// (inlined)`) but not without them: one function for every input path, whichever name perf chose.
enum CompilerClone {
    /// The markers GCC and LLVM put before a copy's number.
    private static let markers: Set<Substring> = ["constprop", "isra", "part", "cold", "lto_priv", "llvm",
                                                  "specialized", "localalias"]

    /// `name` without the clone suffixes it ends with. Only numbered ones (`.isra.0`) are taken off a plain name:
    /// no language's identifier is a number, while `pkg.cold` may be a Go function; `[clone ...]` is always a clone.
    static func owner(of name: String) -> String {
        var rest = Substring(name)
        while true {
            if rest.hasSuffix("]"), let open = rest.lastIndex(of: "["), open > rest.startIndex,
               rest[rest.index(before: open)] == " ", rest[open...].hasPrefix("[clone .") {
                rest = rest[..<rest.index(before: open)]
                continue
            }
            // `.marker.digits`: the last two dot-separated parts.
            guard let lastDot = rest.lastIndex(of: "."), rest.index(after: lastDot) < rest.endIndex,
                  rest[rest.index(after: lastDot)...].allSatisfy(\.isASCIIDigit) else { break }
            let head = rest[..<lastDot]
            guard let markerDot = head.lastIndex(of: "."), markerDot > head.startIndex,
                  markers.contains(head[head.index(after: markerDot)...]) else { break }
            rest = head[..<markerDot]
        }
        return rest.count == name.count ? name : String(rest)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
