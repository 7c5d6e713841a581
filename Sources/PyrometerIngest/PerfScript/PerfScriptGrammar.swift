#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PyrometerModel

/// The line grammar of `perf script` text, on bytes. Ranges are byte offsets from the same base pointer.
enum PerfScriptGrammar {
    struct EventLineParts {
        var comm: Range<Int>
        /// Nil when the header has a thread id only (`comm tid ...`).
        var pid: Range<Int>?
        var tid: Range<Int>
        /// Just past the space that ends the pid/tid word.
        var end: Int
    }

    /// Finds `comm pid/tid ` in a header line: the first space-terminated word made only of digits and `/`,
    /// preceded by a space; `comm` is everything before it (trimmed, may contain spaces).
    static func eventLineParts(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) -> EventLineParts? {
        var wordStart = start
        var allDigits = false
        var lastWasSpace = false
        var slash: Int?
        var i = start
        while i < stop {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            if b == Bytes.space {
                if allDigits && !lastWasSpace {
                    let pid = slash.map { wordStart ..< $0 }
                    let tid = slash.map { $0 + 1 ..< i } ?? (wordStart ..< i)
                    var commStart = start
                    var commEnd = wordStart - 1
                    while commStart < commEnd && Bytes.isWhitespace(base.load(fromByteOffset: commStart, as: UInt8.self)) {
                        commStart += 1
                    }
                    while commEnd > commStart && Bytes.isWhitespace(base.load(fromByteOffset: commEnd - 1, as: UInt8.self)) {
                        commEnd -= 1
                    }
                    return EventLineParts(comm: commStart ..< commEnd, pid: pid, tid: tid, end: i + 1)
                }
                wordStart = i + 1
                allDigits = true
            } else if b == UInt8(ascii: "/") {
                if allDigits { slash = i }
            } else if !Bytes.isDigit(b) {
                allDigits = false
                slash = nil
            }
            lastWasSpace = b == Bytes.space
            i += 1
        }
        return nil
    }

    struct EventTail {
        var event: Range<Int>?
        var period: UInt64?
        var singleLineStack: Range<Int>?
    }

    /// Reads `time: [period] event[:mods]: [frame]` after the pid/tid: the event is the last word of the second
    /// colon-separated field, the period the word before it; text after the event's colon is a one-frame stack.
    static func eventTail(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) -> EventTail {
        var result = EventTail()
        let colon = UInt8(ascii: ":")
        let firstColon = Bytes.find(colon, in: base, from: start, to: stop)
        guard firstColon < stop else { return result }
        let fieldStart = firstColon + 1
        let secondColon = Bytes.find(colon, in: base, from: fieldStart, to: stop)
        let fieldEnd = secondColon
        // rsplit(' '): the event after the last space, the period between the two last spaces.
        var lastSpace = fieldEnd - 1
        while lastSpace >= fieldStart && base.load(fromByteOffset: lastSpace, as: UInt8.self) != Bytes.space {
            lastSpace -= 1
        }
        if lastSpace < fieldStart {
            result.event = fieldStart ..< fieldEnd
        } else {
            result.event = lastSpace + 1 ..< fieldEnd
            // perf pads event names to the longest one's width (`  cpu-clock:` beside `offcpu-time:`).
            var periodEnd = lastSpace
            while periodEnd > fieldStart && base.load(fromByteOffset: periodEnd - 1, as: UInt8.self) == Bytes.space {
                periodEnd -= 1
            }
            var previousSpace = periodEnd - 1
            while previousSpace >= fieldStart && base.load(fromByteOffset: previousSpace, as: UInt8.self) != Bytes.space {
                previousSpace -= 1
            }
            result.period = Bytes.parseDecimal(base, previousSpace + 1, periodEnd)
        }
        guard secondColon < stop else { return result }
        // The rest: skip to just past the first ':' or ' ', then trim.
        var restStart = secondColon + 1
        var j = restStart
        while j < stop {
            let b = base.load(fromByteOffset: j, as: UInt8.self)
            if b == colon || b == Bytes.space {
                restStart = j + 1
                break
            }
            j += 1
        }
        var restEnd = stop
        while restStart < restEnd && Bytes.isWhitespace(base.load(fromByteOffset: restStart, as: UInt8.self)) {
            restStart += 1
        }
        while restEnd > restStart && Bytes.isWhitespace(base.load(fromByteOffset: restEnd - 1, as: UInt8.self)) {
            restEnd -= 1
        }
        if restEnd > restStart { result.singleLineStack = restStart ..< restEnd }
        return result
    }

    struct StackLineParts {
        var address: Range<Int>
        var symbol: Range<Int>
        var module: Range<Int>
        /// `addr (module)` with no symbol at all, as `perf script -F ip,dso` prints frames.
        var moduleOnly = false
    }

    /// Splits `addr symbol (module)`: the address is the first word, the module the last word (in parentheses),
    /// the symbol everything between (trimmed; a lone space when empty). When the last word is not parenthesized
    /// because the module path has spaces, the module is the last balanced `(...)` group.
    static func stackLineParts(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) -> StackLineParts? {
        var s = start
        while s < stop && Bytes.isWhitespace(base.load(fromByteOffset: s, as: UInt8.self)) { s += 1 }
        let firstSpace = Bytes.find(Bytes.space, in: base, from: s, to: stop)
        guard firstSpace < stop else { return nil }
        let address = s ..< firstSpace
        let rest = firstSpace + 1
        var lastSpace = stop - 1
        while lastSpace >= rest && base.load(fromByteOffset: lastSpace, as: UInt8.self) != Bytes.space { lastSpace -= 1 }
        guard lastSpace >= rest else {
            // `addr (module)`: perf script -F ip,dso.
            guard stop - rest >= 2, base.load(fromByteOffset: rest, as: UInt8.self) == UInt8(ascii: "("),
                  base.load(fromByteOffset: stop - 1, as: UInt8.self) == UInt8(ascii: ")") else { return nil }
            return StackLineParts(address: address, symbol: rest ..< rest, module: rest + 1 ..< stop - 1,
                                  moduleOnly: true)
        }
        var moduleStart = lastSpace + 1
        var symbolEnd = lastSpace
        let open = UInt8(ascii: "("), close = UInt8(ascii: ")")
        guard stop - moduleStart >= 2, base.load(fromByteOffset: stop - 1, as: UInt8.self) == close else {
            return nil
        }
        if base.load(fromByteOffset: moduleStart, as: UInt8.self) != open {
            // A module path with spaces: find the `(` that balances the final `)`, preceded by a space.
            var depth = 0
            var i = stop - 1
            var found: Int?
            while i >= rest {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                if b == close { depth += 1 } else if b == open {
                    depth -= 1
                    if depth == 0 {
                        found = i
                        break
                    }
                }
                i -= 1
            }
            guard let found, found > rest, base.load(fromByteOffset: found - 1, as: UInt8.self) == Bytes.space else {
                return nil
            }
            moduleStart = found
            symbolEnd = found - 1
        }
        var symbolStart = rest
        while symbolStart < symbolEnd && Bytes.isWhitespace(base.load(fromByteOffset: symbolStart, as: UInt8.self)) {
            symbolStart += 1
        }
        while symbolEnd > symbolStart && Bytes.isWhitespace(base.load(fromByteOffset: symbolEnd - 1, as: UInt8.self)) {
            symbolEnd -= 1
        }
        if symbolEnd == symbolStart {
            // An empty symbol reads as one space (inferno's rule), which is the byte just before the module.
            symbolStart = moduleStart - 1
            symbolEnd = moduleStart
        }
        return StackLineParts(address: address, symbol: symbolStart ..< symbolEnd,
                              module: moduleStart + 1 ..< stop - 1)
    }

    /// The position of the last `+0x` in `symbol` if only hex digits follow it.
    static func lastOffsetMarker(_ base: UnsafeRawPointer, _ symbol: Range<Int>) -> Int? {
        var i = symbol.upperBound - 3
        while i >= symbol.lowerBound {
            if base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "+")
                && base.load(fromByteOffset: i + 1, as: UInt8.self) == UInt8(ascii: "0")
                && base.load(fromByteOffset: i + 2, as: UInt8.self) == UInt8(ascii: "x") {
                var j = i + 3
                while j < symbol.upperBound {
                    if !Bytes.isHexDigit(base.load(fromByteOffset: j, as: UInt8.self)) { return nil }
                    j += 1
                }
                return i
            }
            i -= 1
        }
        return nil
    }

    static func equals(_ base: UnsafeRawPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        return hasPrefix(base, range, literal)
    }

    @inline(__always)
    static func hasPrefix(_ base: UnsafeRawPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard range.count >= n else { return false }
        return memcmp(base + range.lowerBound, literal.utf8Start, n) == 0
    }

    static func hasSuffix(_ base: UnsafeRawPointer, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard range.count >= n else { return false }
        return hasPrefix(base, range.upperBound - n ..< range.upperBound, literal)
    }

    /// Splits `a->b->c` into its pieces (empty pieces kept, as Rust's `split` keeps them).
    static func splitInlineChain(_ symbol: String) -> [String] {
        guard symbol.utf8.contains(UInt8(ascii: ">")) else { return [symbol] }
        var pieces: [String] = []
        var current: [UInt8] = []
        let bytes = Array(symbol.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "-") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: ">") {
                pieces.append(String(decoding: current, as: UTF8.self))
                current.removeAll()
                i += 2
            } else {
                current.append(bytes[i])
                i += 1
            }
        }
        pieces.append(String(decoding: current, as: UTF8.self))
        return pieces
    }
}
