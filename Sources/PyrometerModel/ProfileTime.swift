/// An ISO 8601 week (Monday to Sunday, UTC), the unit of the store's rollups, weekly diffs, trends and pruning.
public struct IsoWeek: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01 of the week's Monday.
    public let monday: Int

    public init(mondayDays: Int) { monday = mondayDays }

    /// The week containing a day (days since 1970-01-01, a Thursday).
    public init(containingDay day: Int) {
        let weekday = ((day + 3) % 7 + 7) % 7  // Monday 0 ... Sunday 6
        monday = day - weekday
    }

    public init(containingNanos nanos: Int64) {
        self.init(containingDay: Int(CivilDate.floorDivide(nanos, CivilDate.nanosPerDay)))
    }

    /// `2026-W47`; nil unless the year has that week.
    public init?(label: some StringProtocol) {
        let parts = label.split(separator: "-")
        guard parts.count == 2, parts[0].count == 4, let year = Int(parts[0]), parts[1].first == "W" || parts[1].first == "w",
              let number = Int(parts[1].dropFirst()), parts[1].count == 3, number >= 1 else { return nil }
        let january4 = CivilDate(year: year, month: 1, day: 4).days
        let week = IsoWeek(containingDay: january4 + (number - 1) * 7)
        guard week.label == "\(year)-W" + (number < 10 ? "0" : "") + String(number) else { return nil }
        self = week
    }

    /// The ISO year and week number: the year is that of the week's Thursday.
    public var label: String {
        let thursday = monday + 3
        let year = CivilDate(days: thursday).year
        let number = (thursday - CivilDate(year: year, month: 1, day: 1).days) / 7 + 1
        return "\(year)-W" + (number < 10 ? "0" : "") + String(number)
    }

    public var description: String { label }
    public var next: IsoWeek { IsoWeek(mondayDays: monday + 7) }
    public var startNanos: Int64 { Int64(monday) * CivilDate.nanosPerDay }

    public static func < (a: IsoWeek, b: IsoWeek) -> Bool { a.monday < b.monday }
}

/// A proleptic Gregorian date, converted to and from days since 1970-01-01 (Howard Hinnant's algorithms).
public struct CivilDate: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public static let nanosPerDay: Int64 = 86_400 * 1_000_000_000

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public init(days: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    public var days: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public var isValid: Bool {
        (1 ... 12).contains(month) && day >= 1 && CivilDate(days: days) == self
    }

    public static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}

/// A time or span of time a user wrote that is not one.
public struct TimeSyntaxError: UserFacingError, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Times and time spans as users write them on command lines and in store queries.
public enum StoreTime {
    /// `2026-11-20`, `2026-11-20T10:30:00Z` (UTC; `+hh:mm` offsets too), `2026-W47` (its Monday) or Unix seconds.
    public static func parse(_ text: String) throws -> Int64 {
        if let week = IsoWeek(label: text) { return week.startNanos }
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber), let seconds = Int64(text),
           seconds < Int64.max / 1_000_000_000 {
            return seconds * 1_000_000_000
        }
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, range.allSatisfy({ (48 ... 57).contains(bytes[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(bytes[$1] - 48) }
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0 ..< 4), let month = number(5 ..< 7), let day = number(8 ..< 10),
              case let date = CivilDate(year: year, month: month, day: day), date.isValid else {
            throw TimeSyntaxError("'\(text)' is not a time: give YYYY-MM-DD, YYYY-MM-DDThh:mm[:ss]Z, YYYY-Www or Unix seconds")
        }
        var seconds = Int64(date.days) * 86_400
        if bytes.count == 10 { return seconds * 1_000_000_000 }
        guard bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "), let hour = number(11 ..< 13),
              bytes.count > 13, bytes[13] == UInt8(ascii: ":"), let minute = number(14 ..< 16), hour < 24, minute < 60 else {
            throw TimeSyntaxError("'\(text)': expected a time of day as Thh:mm after the date")
        }
        seconds += Int64(hour * 3600 + minute * 60)
        var index = 16
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            guard let second = number(17 ..< 19), second < 61 else { throw TimeSyntaxError("'\(text)': bad seconds") }
            seconds += Int64(second)
            index = 19
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                while index < bytes.count, (48 ... 57).contains(bytes[index]) { index += 1 }
            }
        }
        let zone = bytes[index...]
        if zone.isEmpty || zone.elementsEqual("Z".utf8) { return seconds * 1_000_000_000 }
        guard zone.count == 6, zone.first == UInt8(ascii: "+") || zone.first == UInt8(ascii: "-"),
              let offsetHours = number(index + 1 ..< index + 3), bytes[index + 3] == UInt8(ascii: ":"),
              let offsetMinutes = number(index + 4 ..< index + 6) else {
            throw TimeSyntaxError("'\(text)': expected Z or an offset such as +02:00 at the end")
        }
        let offset = Int64(offsetHours * 3600 + offsetMinutes * 60)
        return (zone.first == UInt8(ascii: "+") ? seconds - offset : seconds + offset) * 1_000_000_000
    }

    /// `90d`, `12w` or `36h`, in nanoseconds.
    public static func parseSpan(_ text: String) throws -> Int64 {
        guard let unit = text.last, let count = Int64(text.dropLast()), count >= 0, count < 100_000 else {
            throw TimeSyntaxError("'\(text)' is not a span of time: give a number and d (days), w (weeks) or h (hours), e.g. 90d")
        }
        switch unit {
        case "h": return count * 3600 * 1_000_000_000
        case "d": return count * CivilDate.nanosPerDay
        case "w": return count * 7 * CivilDate.nanosPerDay
        default: throw TimeSyntaxError("'\(text)': the unit must be d, w or h")
        }
    }

    /// `2026-11-20T10:30:00Z` for a report.
    public static func format(_ nanos: Int64) -> String {
        let seconds = CivilDate.floorDivide(nanos, 1_000_000_000)
        let days = CivilDate.floorDivide(seconds, 86_400)
        let date = CivilDate(days: Int(days))
        let second = Int(seconds - days * 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(date.year)-\(two(date.month))-\(two(date.day))T\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60))Z"
    }
}
