/// Function names and numbers as the text, Markdown and XML reports write them.
enum ReportText {
    /// A name in a Markdown table cell, to be put inside a code span: backticks (which would end the span) become
    /// `'`, `|` (which would end the cell) is escaped; control characters are replaced. Inside a code span, `<`,
    /// `*` and the like are literal, so a name cannot inject markup into a pull-request comment.
    /// Scalar by scalar: a backtick followed by a combining mark is one `Character` that does not equal "`", yet
    /// Markdown sees the backtick.
    static func markdownCode(_ name: String) -> String {
        var escaped = String.UnicodeScalarView()
        for scalar in printable(name).unicodeScalars {
            switch scalar {
            case "`": escaped.append("'")
            case "|": escaped.append(contentsOf: "\\|".unicodeScalars)
            default: escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    /// Control characters would corrupt a terminal or table: shown as U+FFFD.
    static func printable(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? "\u{FFFD}" : $0
        }))
    }

    /// `value` with `places` decimals (no locale, no exponent), e.g. `12.30`; `sign` writes `+` before positive
    /// values.
    static func fixed(_ value: Double, places: Int = 2, sign: Bool = false) -> String {
        guard value.isFinite else { return value.isNaN ? "n/a" : (value > 0 ? "+inf" : "-inf") }
        var scale = 1.0
        for _ in 0 ..< places { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 1e17 else { return value > 0 ? "+huge" : "-huge" }
        let integer = Int64(scaled)
        let whole = integer / Int64(scale), fraction = integer % Int64(scale)
        var text = String(whole)
        if places > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: places - digits.count) + digits
        }
        if value < 0 && integer != 0 { return "-" + text }
        return sign && integer != 0 ? "+" + text : text
    }

    /// A p-value for people: `<0.0001`, else 4 significant decimals.
    static func pValue(_ p: Double?) -> String {
        guard let p else { return "n/a" }
        return p < 0.0001 ? "<0.0001" : fixed(p, places: 4)
    }

    /// XML text and attribute escaping (JUnit reports).
    static func xml(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\t", "\n": out.unicodeScalars.append(scalar)
            // Characters XML 1.0 does not allow at all.
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: out += "\u{FFFD}"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
