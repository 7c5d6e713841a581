/// Name clean-ups applied to perf symbols, the same ones inferno and FlameGraph apply, so folded output matches
/// theirs (the parameter lists go with `ShortName.withoutParameters`). They run once per unique frame (on a cache
/// miss), so they work on `String`s.
enum PerfSymbols {
    /// Repairs Rust legacy symbols that perf demangled only partly (`_$LT$std..fs..File$GT$::read::h5d84…`):
    /// strips the `::h<16 hex>` hash and decodes `$LT$`-style escapes and `..` path separators.
    static func repairRustSymbol(_ symbol: String) -> String {
        let hashLength = 17
        // Most symbols are not Rust: decide from the 17th byte from the end before copying anything.
        let utf8 = symbol.utf8
        guard utf8.count >= hashLength,
              utf8[utf8.index(utf8.endIndex, offsetBy: -hashLength)] == UInt8(ascii: "h") else { return symbol }
        let bytes = Array(utf8)
        let hash = bytes[(bytes.count - hashLength)...]
        guard hash.first == UInt8(ascii: "h"), hash.dropFirst().allSatisfy(Bytes.isHexDigit) else { return symbol }
        var rest = bytes[..<(bytes.count - hashLength)]
        if rest.count >= 2 && rest.suffix(2).elementsEqual("::".utf8) { rest = rest.dropLast(2) }
        if rest.count >= 2 && rest.prefix(2).elementsEqual("_$".utf8) { rest = rest.dropFirst() }

        var out: [UInt8] = []
        out.reserveCapacity(rest.count)
        while let first = rest.first {
            if first == UInt8(ascii: ".") {
                if rest.count >= 2 && rest[rest.startIndex + 1] == UInt8(ascii: ".") {
                    out.append(contentsOf: "::".utf8)
                    rest = rest.dropFirst(2)
                } else {
                    out.append(first)
                    rest = rest.dropFirst()
                }
            } else if first == UInt8(ascii: "$") {
                guard let (escape, replacement) = rustEscapes.first(where: { rest.starts(with: $0.0) }) else {
                    out.append(contentsOf: rest)
                    break
                }
                out.append(contentsOf: replacement)
                rest = rest.dropFirst(escape.count)
            } else {
                let stop = rest.firstIndex { $0 == UInt8(ascii: "$") || $0 == UInt8(ascii: ".") } ?? rest.endIndex
                out.append(contentsOf: rest[..<stop])
                rest = rest[stop...]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let rustEscapes: [([UInt8], [UInt8])] = [
        ("$SP$", "@"), ("$BP$", "*"), ("$RF$", "&"), ("$LT$", "<"), ("$GT$", ">"), ("$LP$", "("), ("$RP$", ")"),
        ("$C$", ","), ("$u7e$", "~"), ("$u20$", " "), ("$u27$", "'"), ("$u3d$", "="), ("$u5b$", "["),
        ("$u5d$", "]"), ("$u7b$", "{"), ("$u7d$", "}"), ("$u3b$", ";"), ("$u2b$", "+"), ("$u21$", "!"),
        ("$u22$", "\""),
    ].map { (Array($0.0.utf8), Array($0.1.utf8)) }
}
