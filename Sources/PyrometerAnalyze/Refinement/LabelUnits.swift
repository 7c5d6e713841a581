#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The units of numeric labels, as pprof's `internal/measurement` knows them: bytes (binary multiples: a kB is
/// 1,024 bytes) and time, matched case-insensitively by any of their names, plural or not.
enum LabelUnits {
    struct Unit {
        /// The name pprof prints.
        var name: String
        var aliases: [String]
        /// Its size in the kind's base unit (bytes, nanoseconds).
        var factor: Double
    }

    static let kinds: [[Unit]] = [
        [Unit(name: "B", aliases: ["b", "byte"], factor: 1),
         Unit(name: "kB", aliases: ["kb", "kbyte", "kilobyte"], factor: 1024),
         Unit(name: "MB", aliases: ["mb", "mbyte", "megabyte"], factor: 1024 * 1024),
         Unit(name: "GB", aliases: ["gb", "gbyte", "gigabyte"], factor: 1024 * 1024 * 1024),
         Unit(name: "TB", aliases: ["tb", "tbyte", "terabyte"], factor: 1024 * 1024 * 1024 * 1024),
         Unit(name: "PB", aliases: ["pb", "pbyte", "petabyte"], factor: 1024 * 1024 * 1024 * 1024 * 1024)],
        [Unit(name: "ns", aliases: ["ns", "nanosecond"], factor: 1),
         Unit(name: "us", aliases: ["μs", "us", "microsecond"], factor: 1e3),
         Unit(name: "ms", aliases: ["ms", "millisecond"], factor: 1e6),
         Unit(name: "s", aliases: ["s", "sec", "second"], factor: 1e9),
         Unit(name: "hrs", aliases: ["hour", "hr"], factor: 3600e9)],
    ]

    /// The kind and unit `name` denotes, if any: lower-cased, and without a plural `s` when longer than two letters.
    static func find(_ name: String) -> (kind: Int, unit: Unit)? {
        var name = name.lowercased()
        if name.count > 2 && name.hasSuffix("s") { name.removeLast() }
        for (kind, units) in kinds.enumerated() {
            if let unit = units.first(where: { $0.aliases.contains(name) }) { return (kind, unit) }
        }
        return nil
    }

    /// `value` in unit `from` expressed in unit `to`, as pprof's `measurement.Scale` compares them; nil when they
    /// are of different kinds, or one is known and the other not. Two unknown units (a label counted in its key's
    /// name, a range without a unit) compare their numbers as they are.
    static func convert(_ value: Double, from: String, to: String) -> Double? {
        switch (find(from), find(to)) {
        case let (source?, target?):
            return source.kind == target.kind ? value * source.unit.factor / target.unit.factor : nil
        case (nil, nil):
            return value
        default:
            return nil
        }
    }

    /// pprof's printed name of a known unit (`kb` → `kB`), else `name` as it is.
    static func canonicalName(_ name: String) -> String { find(name)?.unit.name ?? name }

    /// A number with its unit scaled to the largest unit in which it is at least 1 (pprof's `ScaledLabel`):
    /// `64kB`, `1.50MB`, `250ms`; two decimals, `.00` dropped.
    static func scaledLabel(_ value: Int64, unit: String) -> String {
        var scaled = Double(value), name = unit
        if let (kind, source) = find(unit) {
            let base = Double(value) * source.factor
            let chosen = kinds[kind].last { abs(base) >= $0.factor } ?? kinds[kind][0]
            scaled = base / chosen.factor
            name = chosen.name
        }
        var text = formatted(scaled)
        if text.hasSuffix(".00") { text.removeLast(3) }
        if text == "0" || text == "-0" { return "0" }
        return text + name
    }

    private static func formatted(_ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        _ = withVaList([value]) { vsnprintf(&buffer, buffer.count, "%.2f", $0) }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
