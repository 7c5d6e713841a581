#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers shared by the text importers.
enum Bytes {
    static let newline = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let hash = UInt8(ascii: "#")

    /// ASCII whitespace, as Rust's `char::is_whitespace` and C's `isspace` see it in that range.
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || (b >= 0x09 && b <= 0x0D)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    @inline(__always)
    static func isHexDigit(_ b: UInt8) -> Bool {
        isDigit(b) || (b | 0x20) &- 0x61 < 6
    }

    /// The index of the next `byte` in `base[from..<to]`, or `to`.
    @inline(__always)
    static func find(_ byte: UInt8, in base: UnsafeRawPointer, from: Int, to: Int) -> Int {
        guard from < to, let hit = memchr(base + from, Int32(byte), to - from) else { return to }
        return base.distance(to: UnsafeRawPointer(hit))
    }

    /// Parses an unsigned decimal number (an optional leading `+`, as Rust's `u64::from_str` allows). Nil when
    /// empty, not a number, or out of range.
    static func parseDecimal(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> UInt64? {
        var i = start
        if i < end && base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "+") { i += 1 }
        guard i < end else { return nil }
        var value: UInt64 = 0
        while i < end {
            let d = base.load(fromByteOffset: i, as: UInt8.self) &- 0x30
            guard d < 10 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            value = s
            i += 1
        }
        return value
    }

    /// Parses hexadecimal digits (an optional `0x`); nil when empty, not hex, or longer than 64 bits.
    static func parseHex(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> UInt64? {
        var i = start
        if end - i > 2 && base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "0")
            && base.load(fromByteOffset: i + 1, as: UInt8.self) | 0x20 == UInt8(ascii: "x") { i += 2 }
        guard i < end else { return nil }
        var value: UInt64 = 0
        while i < end {
            let b = base.load(fromByteOffset: i, as: UInt8.self)
            let digit: UInt8
            if isDigit(b) { digit = b - 0x30 } else if (b | 0x20) &- 0x61 < 6 { digit = (b | 0x20) - 0x61 + 10 } else {
                return nil
            }
            guard value >> 60 == 0 else { return nil }
            value = value << 4 | UInt64(digit)
            i += 1
        }
        return value
    }

    /// A `String` from bytes; invalid UTF-8 becomes U+FFFD.
    static func string(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: base + start, count: end - start), as: UTF8.self)
    }

    /// The end of the last blank line (a line of only whitespace) in `bytes[..<limit]`, i.e. a position where a new
    /// sample may start; nil if there is none.
    static func lastBlankLineEnd(_ bytes: UnsafeRawBufferPointer, before limit: Int, after floor: Int = 0) -> Int? {
        guard let base = bytes.baseAddress, limit > floor else { return nil }
        var i = limit - 1
        while i > floor {
            if base.load(fromByteOffset: i, as: UInt8.self) == newline {
                var j = i - 1
                while j >= floor, isWhitespace(base.load(fromByteOffset: j, as: UInt8.self)),
                      base.load(fromByteOffset: j, as: UInt8.self) != newline { j -= 1 }
                if j >= floor && base.load(fromByteOffset: j, as: UInt8.self) == newline { return i + 1 }
                i = j
                continue
            }
            i -= 1
        }
        return nil
    }
}
