// Legacy Rust names after libstdc++'s demangler: the hash it leaves at the end and rustc's `$..$` escapes it does
// not know, removed and decoded as rustfilt and perf do.
extension Demangler {
    /// rustc's legacy escapes in each path component (`_$u7b$$u7b$closure$u7d$$u7d$` → `{{closure}}`,
    /// `_$LT$Vec$LT$T$GT$$GT$` → `<Vec<T>>`, `..` → `::`), as rustfilt and perf decode them.
    public static func decodingRustEscapes(_ name: String) -> String {
        guard name.contains("$") || name.contains("..") else { return name }
        let escapes: [(String, String)] = [
            ("$SP$", "@"), ("$BP$", "*"), ("$RF$", "&"), ("$LT$", "<"), ("$GT$", ">"), ("$LP$", "("),
            ("$RP$", ")"), ("$C$", ","), ("$u7e$", "~"), ("$u20$", " "), ("$u27$", "'"), ("$u3d$", "="),
            ("$u5b$", "["), ("$u5d$", "]"), ("$u7b$", "{"), ("$u7d$", "}"), ("$u3b$", ";"), ("$u2b$", "+"),
            ("$u21$", "!"), ("$u22$", "\""),
        ]
        return name.split(separator: "::", omittingEmptySubsequences: false).map { component -> String in
            var part = component.hasPrefix("_$") ? String(component.dropFirst()) : String(component)
            for (escape, replacement) in escapes where part.contains(escape) {
                part = part.replacing(escape, with: replacement)
            }
            return part.replacing("..", with: "::")
        }.joined(separator: "::")
    }

    /// Rust's legacy mangling ends paths with `::h` and 16 hex digits, a hash of the crate, which rustfilt and perf
    /// leave out.
    public static func strippingRustHash(_ name: String) -> String {
        let utf8 = Array(name.utf8)
        guard utf8.count > 19 else { return name }
        let tail = utf8[(utf8.count - 19)...]
        guard tail.starts(with: Array("::h".utf8)),
              tail.dropFirst(3).allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            return name
        }
        return String(decoding: utf8[..<(utf8.count - 19)], as: UTF8.self)
    }
}
