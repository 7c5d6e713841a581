import PyrometerModel

/// Pyroscope's `from`/`until` (`attime.Parse`, grafana/pyroscope `pkg/og/util/attime`): digits whose count tells the
/// unit (13 ms, 16 µs, 19 ns, any other count seconds; 8 digits that form a date are `YYYYMMDD`, midnight UTC),
/// after taking out `_`, `,` and spaces; or `now` with an offset (`now-1h`; units s, min, m, h, d, w, M, mon, y).
public enum PyroscopeTime {
    /// Unix nanoseconds for `text`; `now` (Unix ns, the receive time) for the relative forms, which are refused
    /// when it is nil. An empty text is nil: the parameter was not given.
    public static func parse(_ text: String, now: Int64?) throws(IngestError) -> Int64? {
        let digitsOnly = text.utf8.filter { $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: ",") && $0 != UInt8(ascii: " ") }
        guard !digitsOnly.isEmpty else { return nil }
        guard digitsOnly.allSatisfy({ (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }) else {
            return try relative(String(decoding: digitsOnly, as: UTF8.self), now: now, original: text)
        }
        // More than 19 digits is past Int64 in any unit (and past year 2262 in nanoseconds).
        guard digitsOnly.count <= 19, let value = Int64(String(decoding: digitsOnly, as: UTF8.self)) else {
            throw .badRequest("time \(quoted(text)): too many digits")
        }
        if digitsOnly.count == 8 {
            let date = CivilDate(year: Int(value / 10000), month: Int(value / 100 % 100), day: Int(value % 100))
            if date.isValid {
                // Years before 1678 are past Int64 nanoseconds (the fuzzer's `10130601`).
                let (nanos, overflow) = Int64(date.days).multipliedReportingOverflow(by: CivilDate.nanosPerDay)
                guard !overflow else { throw .badRequest("time \(quoted(text)): out of range") }
                return nanos
            }
        }
        let scale: Int64 = switch digitsOnly.count {
        case 13: 1_000_000
        case 16: 1_000
        case 19: 1
        default: 1_000_000_000
        }
        let (nanos, overflow) = value.multipliedReportingOverflow(by: scale)
        guard !overflow else { throw .badRequest("time \(quoted(text)): out of range") }
        return nanos
    }

    /// `now`, `now-1h`, `now+30m`.
    private static func relative(_ text: String, now: Int64?, original: String) throws(IngestError) -> Int64 {
        guard text.hasPrefix("now") else {
            throw .badRequest("time \(quoted(original)): expected Unix time digits or now[+-]N[unit]")
        }
        guard let now else { throw .badRequest("time \(quoted(original)): a relative time needs the receive time") }
        let rest = text.dropFirst(3)
        guard let sign = rest.first else { return now }
        guard sign == "-" || sign == "+" else { throw .badRequest("time \(quoted(original)): expected + or - after now") }
        let amount = rest.dropFirst().prefix(while: \.isASCIIDigit)
        let unit = rest.dropFirst(1 + amount.count)
        let seconds: Int64? = switch unit {
        case "s", "": 1
        case "m", "min": 60
        case "h": 3600
        case "d": 86_400
        case "w": 604_800
        case "M", "mon": 2_592_000
        case "y": 31_536_000
        default: nil
        }
        guard !amount.isEmpty, amount.count <= 12, let count = Int64(amount), let seconds else {
            throw .badRequest("time \(quoted(original)): expected now[+-]N with a unit s, m, min, h, d, w, M, mon or y")
        }
        let (secondsOffset, overflow1) = count.multipliedReportingOverflow(by: seconds)
        let (offset, overflow2) = secondsOffset.multipliedReportingOverflow(by: 1_000_000_000)
        let (result, overflow3) = sign == "-" ? now.subtractingReportingOverflow(offset) : now.addingReportingOverflow(offset)
        guard !overflow1, !overflow2, !overflow3 else {
            throw .badRequest("time \(quoted(original)): out of range")
        }
        return result
    }

    static func quoted(_ text: String) -> String {
        "`" + String(text.prefix(64)) + (text.count > 64 ? "…" : "") + "`"
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
