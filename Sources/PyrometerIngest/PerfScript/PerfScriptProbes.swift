#if canImport(Glibc)
import Glibc
#endif
import PyrometerModel

/// The parts of `perf script` text that probes and lost events add, on bytes:
/// - a probe's fields, `(7f6d348b6930) size=64 nmemb=3`: the probed address in parentheses, then `name=value`
///   arguments, values in decimal (`:u64`, `:s64`) or hexadecimal (`:x64`);
/// - `--show-lost-events` lines, `comm pid [cpu] time: PERF_RECORD_LOST lost 19`.
enum PerfScriptProbes {
    /// The argument names of a probe's fields; nil when the fields do not start with `(hex)`, the probed address.
    static func argumentNames(_ base: UnsafeRawPointer, _ fields: Range<Int>) -> [String]? {
        guard let arguments = argumentsStart(base, fields) else { return nil }
        var names: [String] = []
        forEachArgument(base, arguments ..< fields.upperBound) { name, _ in
            names.append(Bytes.string(base, name.lowerBound, name.upperBound))
        }
        return names
    }

    /// The value of argument `name` (nil when absent, or not a number; a negative one counts 0).
    static func argument(_ base: UnsafeRawPointer, _ fields: Range<Int>, _ name: [UInt8], probe: Bool = true) -> UInt64? {
        guard let arguments = probe ? argumentsStart(base, fields) : fields.lowerBound else { return nil }
        var result: UInt64?
        forEachArgument(base, arguments ..< fields.upperBound) { key, value in
            guard result == nil, key.count == name.count,
                  name.withUnsafeBytes({ memcmp(base + key.lowerBound, $0.baseAddress!, name.count) == 0 }) else { return }
            if value.count > 0 && base.load(fromByteOffset: value.lowerBound, as: UInt8.self) == UInt8(ascii: "-") {
                result = 0
            } else if PerfScriptGrammar.hasPrefix(base, value, "0x") {
                result = Bytes.parseHex(base, value.lowerBound, value.upperBound)
            } else {
                result = Bytes.parseDecimal(base, value.lowerBound, value.upperBound)
            }
        }
        return result
    }

    /// The text of argument `name` of a tracepoint's fields (`prev_state=R+` → `R+`), if present.
    static func argumentText(_ base: UnsafeRawPointer, _ fields: Range<Int>, _ name: [UInt8]) -> String? {
        var result: String?
        forEachArgument(base, fields) { key, value in
            guard result == nil, key.count == name.count,
                  name.withUnsafeBytes({ memcmp(base + key.lowerBound, $0.baseAddress!, name.count) == 0 }) else { return }
            result = Bytes.string(base, value.lowerBound, value.upperBound)
        }
        return result
    }

    /// Just past `(hex)` at the start of `fields`, or nil.
    private static func argumentsStart(_ base: UnsafeRawPointer, _ fields: Range<Int>) -> Int? {
        guard fields.count >= 3, base.load(fromByteOffset: fields.lowerBound, as: UInt8.self) == UInt8(ascii: "(")
        else { return nil }
        let close = Bytes.find(UInt8(ascii: ")"), in: base, from: fields.lowerBound + 1, to: fields.upperBound)
        guard close < fields.upperBound, close > fields.lowerBound + 1,
              Bytes.parseHex(base, fields.lowerBound + 1, close) != nil else { return nil }
        return close + 1
    }

    /// Calls `body` with each `name=value` word's name and value ranges.
    private static func forEachArgument(_ base: UnsafeRawPointer, _ range: Range<Int>,
                                        _ body: (Range<Int>, Range<Int>) -> Void) {
        var position = range.lowerBound
        while position < range.upperBound {
            while position < range.upperBound && base.load(fromByteOffset: position, as: UInt8.self) == Bytes.space {
                position += 1
            }
            let end = Bytes.find(Bytes.space, in: base, from: position, to: range.upperBound)
            let equals = Bytes.find(UInt8(ascii: "="), in: base, from: position, to: end)
            if equals < end && equals > position { body(position ..< equals, equals + 1 ..< end) }
            position = end
        }
    }

    /// The count of a `PERF_RECORD_LOST lost N` line (`samples`: a `PERF_RECORD_LOST_SAMPLES` one), given the text
    /// after the header's pid/tid; nil for any other line.
    static func lostEvents(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) -> (count: UInt64, samples: Bool)? {
        let colon = Bytes.find(UInt8(ascii: ":"), in: base, from: start, to: stop)
        guard colon < stop else { return nil }
        var position = colon + 1
        while position < stop && base.load(fromByteOffset: position, as: UInt8.self) == Bytes.space { position += 1 }
        guard PerfScriptGrammar.hasPrefix(base, position ..< stop, "PERF_RECORD_LOST") else { return nil }
        // `PERF_RECORD_LOST lost 19`, and `PERF_RECORD_LOST_SAMPLES lost 19` should a perf print those.
        let samples = PerfScriptGrammar.hasPrefix(base, position ..< stop, "PERF_RECORD_LOST_SAMPLES")
        var last = stop
        while last > position && base.load(fromByteOffset: last - 1, as: UInt8.self) != Bytes.space { last -= 1 }
        return (Bytes.parseDecimal(base, last, stop) ?? 0, samples)
    }
}
