import PyrometerModel

/// A filter on sample labels (`--tag-focus`, `--tag-ignore`), with pprof's syntax (`internal/driver`'s
/// `compileTagFilter`): `KEY=VALUES` or `VALUES`, where VALUES is either a numeric range with units (`1kb:2kb`,
/// `32kb:`, `:64kb`, `4mb`: numeric labels in range) or comma-separated regular expressions (string labels).
public struct TagFilter: Sendable {
    public let source: String
    let key: String?
    let test: Test

    enum Test: Sendable {
        case range(NumericRange)
        case patterns([NamePattern])
    }

    public init(_ source: String, option: String) throws(RefinementError) {
        self.source = source
        var value = Substring(source)
        if let equals = source.firstIndex(of: "=") {
            key = String(source[..<equals])
            value = source[source.index(after: equals)...]
        } else {
            key = nil
        }
        if let range = NumericRange(value) {
            test = .range(range)
        } else {
            var patterns: [NamePattern] = []
            for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                patterns.append(try NamePattern(String(part), option: option))
            }
            test = .patterns(patterns)
        }
    }

    /// Whether the labels of one sample pass: with a key, a value of that key matches (any of the expressions, or
    /// the range); without, every expression matches some `key:value` of the sample (pprof's rule), or a numeric
    /// label of any key is in the range. `units` gives each numeric key's unit (`NumericLabelUnits`).
    func matches(_ labels: [Label], in profile: Profile, units: NumericLabelUnits) -> Bool {
        func keyName(_ label: Label) -> String { profile.strings[Int(label.key)] }
        switch test {
        case .range(let range):
            return labels.contains { label in
                guard label.string == 0 else { return false }
                let name = keyName(label)
                return (key == nil || name == key) && range.contains(label.number, unit: units.unit(of: name))
            }
        case .patterns(let patterns):
            let strings = labels.filter { $0.string != 0 }
            if let key {
                let values = strings.filter { keyName($0) == key }.map { profile.strings[Int($0.string)] }
                return patterns.contains { pattern in values.contains(where: pattern.matches) }
            }
            return patterns.allSatisfy { pattern in
                strings.contains { pattern.matches(keyName($0) + ":" + profile.strings[Int($0.string)]) }
            }
        }
    }
}

/// The unit of each numeric label key, as pprof finds it (`Profile.NumLabelUnits`): the first unit a sample gives
/// the key, else `bytes` for `alignment` and `request`, else the key's own name (Go heap profiles' `bytes`).
struct NumericLabelUnits {
    private var units: [String: String] = [:]

    init(_ profile: Profile) {
        for labels in profile.labelSets {
            for label in labels where label.string == 0 && label.numberUnit != 0 {
                let key = profile.strings[Int(label.key)]
                if units[key] == nil { units[key] = profile.strings[Int(label.numberUnit)] }
            }
        }
    }

    func unit(of key: String) -> String {
        units[key] ?? (key == "alignment" || key == "request" ? "bytes" : key)
    }
}

/// A numeric range of a tag filter, exactly one of pprof's forms `N`, `N:`, `:N`, `N:M` with integers and an
/// optional unit (`64kb`, `-5`, `100ms`); bounds inclusive. Anything else (`1.5mb`, `1:64kb`) is not a range, and
/// pprof then reads the text as a regular expression.
struct NumericRange: Sendable {
    var low: Double?
    var high: Double?
    /// The unit of the bounds: pprof's canonical name of a known unit (`kB`), or the text as given.
    var unit: String

    init?(_ text: Substring) {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard let single = Self.quantity(parts[0]) else { return nil }
            (low, high, unit) = (single.value, single.value, single.unit)
        case 2 where parts[0].isEmpty:
            guard let bound = Self.quantity(parts[1]) else { return nil }
            (low, high, unit) = (nil, bound.value, bound.unit)
        case 2 where parts[1].isEmpty:
            guard let bound = Self.quantity(parts[0]) else { return nil }
            (low, high, unit) = (bound.value, nil, bound.unit)
        case 2:
            // The upper bound is read in the lower one's unit: in it when it has none, converted when it has one.
            guard let lower = Self.quantity(parts[0]), let upper = Self.quantity(parts[1]) else { return nil }
            let value: Double?
            if parts[1].last?.isLetter != true {
                value = upper.value
            } else {
                value = LabelUnits.convert(upper.value, from: upper.unit, to: lower.unit)
            }
            guard let value else { return nil }
            (low, high, unit) = (lower.value, value, lower.unit)
        default:
            return nil
        }
    }

    /// `[+-]digits` then letters, all of `text`.
    private static func quantity(_ text: Substring) -> (value: Double, unit: String)? {
        var digits = text.startIndex
        if digits < text.endIndex, text[digits] == "+" || text[digits] == "-" { digits = text.index(after: digits) }
        let unitStart = text[digits...].firstIndex { !$0.isASCII || !$0.isNumber } ?? text.endIndex
        guard unitStart > digits, let value = Int64(text[..<unitStart]) else { return nil }
        let unit = text[unitStart...]
        guard unit.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return (Double(value), LabelUnits.canonicalName(String(unit)))
    }

    /// Whether `number`, in `labelUnit`, lies in the range: it must convert to the range's unit (a byte label never
    /// matches a range without a unit).
    func contains(_ number: Int64, unit labelUnit: String) -> Bool {
        guard let value = LabelUnits.convert(Double(number), from: labelUnit, to: unit) else { return false }
        return (low.map { value >= $0 } ?? true) && (high.map { value <= $0 } ?? true)
    }
}
