/// Flamegraph labels made from demangled names: what a frame shows, without parameter lists and types.
///
/// - C++ and legacy Rust: `withoutParameters(_:)`, the rule inferno and FlameGraph apply to perf's names.
/// - Rust v0: the demangled path as it is (it has no parameter lists).
/// - Swift: `swift(_:)`, the context path and argument labels (`main.sum(_:with:)`).
///
/// Every label has its `;` turned into `:`, since `;` separates frames in folded stacks.
public enum ShortName {
    /// Drops a function's parameter list (`foo::bar<int>(int, char) const` → `foo::bar<int>`) and turns `;` into
    /// `:`, as inferno and FlameGraph shorten perf's names: the cut is at the first `(` at nesting depth 0 (depth
    /// counted over `<>`, `{}`, `[]` and `()`), keeping `(anonymous namespace)` and Go method receivers
    /// (`pkg.(*T).m`).
    ///
    /// One departure from inferno: an operator name followed by its parameter list or template arguments stays
    /// whole (`std::function<void ()>::operator()() const` → `std::function<void ()>::operator()`,
    /// `bool operator<(A, A)` → `bool operator<`), where inferno cuts inside it (`…::operator`) or, for `<`, `>`
    /// and `->`, does not cut at all. A name without parameters (perf's `std::function<int (int)>::operator()`)
    /// is cut as inferno cuts it.
    /// - Complexity: O(n) in the name's length.
    public static func withoutParameters(_ name: String) -> String {
        var bytes = Array(name.utf8)
        var depth = 0
        var lastDotNext: Int?
        var cut = bytes.count
        var index = 0
        scan: while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: ";"):
                bytes[index] = UInt8(ascii: ":")
            case UInt8(ascii: "<"), UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: ">"), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ")"):
                depth -= 1
            case UInt8(ascii: "("):
                if depth == 0 && lastDotNext != index && !bytes[index...].starts(with: anonymousNamespace) {
                    cut = index
                    break scan
                }
                depth += 1
            case UInt8(ascii: "."):
                lastDotNext = index + 1
            case UInt8(ascii: "o"):
                if depth == 0, let end = operatorNameEnd(bytes, at: index) {
                    index = end
                    continue scan
                }
            default:
                break
            }
            index += 1
        }
        return String(decoding: bytes[..<cut], as: UTF8.self)
    }

    /// `name` with each `;` turned into `:`.
    public static func withoutSemicolons(_ name: String) -> String {
        guard name.utf8.contains(UInt8(ascii: ";")) else { return name }
        return String(decoding: name.utf8.map { $0 == UInt8(ascii: ";") ? UInt8(ascii: ":") : $0 }, as: UTF8.self)
    }

    /// A JIT-compiled Java method as a perf map names it, tidied as inferno and FlameGraph tidy Java frames:
    /// perf-map-agent's `Lpkg/Class;::method` loses the leading `L` of its class path and `;` becomes `:`
    /// (`pkg/Class:::method`); the JDK's own `long pkg.Class.method(int)` stays as it is.
    public static func javaMethod(_ name: String) -> String {
        let name = withoutSemicolons(name)
        if name.hasPrefix("L") && name.contains("/") { return String(name.dropFirst()) }
        return name
    }

    /// V8's perf-map names carry the tier that compiled the code (`JS:*f` optimized, `JS:^f` baseline, `JS:~f`
    /// interpreted): one JavaScript function has a name per tier it reached. Without the mark they are one function
    /// (`JS:f /app.js:3:14`).
    public static func withoutV8Tier(_ name: String) -> String {
        for prefix in ["JS:", "LazyCompile:", "Function:"] where name.hasPrefix(prefix) {
            let rest = name.utf8.dropFirst(prefix.utf8.count)
            guard let tier = rest.first,
                  tier == UInt8(ascii: "*") || tier == UInt8(ascii: "~") || tier == UInt8(ascii: "^") else { return name }
            return prefix + String(decoding: rest.dropFirst(), as: UTF8.self)
        }
        return name
    }

    private static let anonymousNamespace = Array("(anonymous namespace)".utf8)
    private static let operatorKeyword = Array("operator".utf8)
    /// C++ operator names, longest first.
    private static let operatorTokens: [[UInt8]] = [
        "()", "[]", "<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "->",
        "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<", ">", "+", "-", "*", "/", "%", "^", "&", "|", "~", "!",
        "=", ",",
    ].map { Array($0.utf8) }

    /// When `bytes[index...]` is `operator` (a whole word) and an operator token followed by `(`, `<` or ` <`: the
    /// index after the token.
    private static func operatorNameEnd(_ bytes: [UInt8], at index: Int) -> Int? {
        guard index == 0 || bytes[index - 1] == UInt8(ascii: ":") || bytes[index - 1] == UInt8(ascii: " "),
              bytes[index...].starts(with: operatorKeyword) else { return nil }
        let start = index + operatorKeyword.count
        guard let token = operatorTokens.first(where: { bytes[start...].starts(with: $0) }) else { return nil }
        let end = start + token.count
        guard end < bytes.count else { return nil }
        switch bytes[end] {
        case UInt8(ascii: "("), UInt8(ascii: "<"): return end
        case UInt8(ascii: " "): return end + 1 < bytes.count && bytes[end + 1] == UInt8(ascii: "<") ? end : nil
        default: return nil
        }
    }
}
