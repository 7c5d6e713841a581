/// An append-only UTF-8 byte buffer with the few primitives the SVG writer needs: literal text, XML-escaped text,
/// integers with or without thousands separators, and fixed two-decimal numbers. Nothing depends on the locale.
struct SVGBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Appends trusted markup (a literal in this module).
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    @inline(__always)
    mutating func raw(_ b: UInt8) { bytes.append(b) }

    /// Appends `s` escaped for XML text and attribute values (see `XMLEscaper`).
    mutating func text(_ s: String) {
        var copy = s
        copy.withUTF8 { XMLEscaper.append($0, to: &bytes) }
    }

    /// Appends a signed integer in decimal.
    mutating func int(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            uint(value.magnitude, grouped: false)
        } else {
            uint(UInt64(value), grouped: false)
        }
    }

    @inline(__always)
    mutating func int(_ value: Int) { int(Int64(value)) }

    /// Appends an integer with `,` every three digits (as tooltips show counts: `1,234,567`).
    mutating func grouped(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            uint(value.magnitude, grouped: true)
        } else {
            uint(UInt64(value), grouped: true)
        }
    }

    mutating func uint(_ value: UInt64, grouped: Bool) {
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes of scratch space
        withUnsafeMutableBytes(of: &digits) { scratch in
            var v = value
            var n = 0
            repeat {
                if grouped && n > 0 && n % 4 == 3 {
                    scratch[31 - n] = UInt8(ascii: ",")
                    n += 1
                }
                scratch[31 - n] = UInt8(truncatingIfNeeded: v % 10) &+ 0x30
                n += 1
                v /= 10
            } while v != 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[(32 - n)...]))
        }
    }

    /// Appends `value` rounded to two decimals, always with both decimals (`12.50`, `-0.25`, `3.00`).
    @inline(__always)
    mutating func fixed2(_ value: Double) { fixed(value, places: 2) }

    private static let powersOfTen: [Int64] = [1, 10, 100, 1000, 10000, 100_000, 1_000_000]

    /// Appends `value` rounded to `places` (0...6) decimals, always writing every decimal.
    mutating func fixed(_ value: Double, places: Int) {
        let divisor = Self.powersOfTen[min(max(places, 0), 6)]
        let scaled = (value * Double(divisor)).rounded()
        guard scaled.isFinite, abs(scaled) < 9.0e18 else {
            raw("0")
            return
        }
        writeScaled(Int64(scaled), divisor: divisor)
    }

    /// Writes `scaled / divisor` with all the decimals `divisor` implies.
    private mutating func writeScaled(_ scaled: Int64, divisor: Int64) {
        var h = scaled
        if h < 0 {
            bytes.append(UInt8(ascii: "-"))
            h = -h
        }
        uint(UInt64(h / divisor), grouped: false)
        guard divisor > 1 else { return }
        bytes.append(UInt8(ascii: "."))
        var frac = h % divisor
        var d = divisor / 10
        while d > 0 {
            bytes.append(UInt8(truncatingIfNeeded: frac / d) &+ 0x30)
            frac %= d
            d /= 10
        }
    }

    /// Appends a coordinate rounded to two decimals: written as an integer when it is one, otherwise with two
    /// decimals.
    mutating func coord(_ value: Double) {
        let scaled = (value * 100).rounded()
        guard scaled.isFinite, abs(scaled) < 9.0e18 else {
            raw("0")
            return
        }
        let h = Int64(scaled)
        if h % 100 == 0 {
            int(h / 100)
        } else {
            writeScaled(h, divisor: 100)
        }
    }
}

/// XML escaping for text content and attribute values (both quote styles).
///
/// `&`, `<`, `>`, `"`, `'` become entity references. Characters that XML 1.0 forbids (U+0000–U+001F other than tab
/// and line feed, U+FFFE and U+FFFF) become U+FFFD; carriage return is replaced as well, since parsers would
/// otherwise normalize it away. Swift strings are always valid UTF-8, so no other repair is needed.
enum XMLEscaper {
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Whether the byte needs attention (table lookup keeps the fast path to one load per byte).
    private static let special: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for b in 0 ..< 0x20 where b != 0x09 && b != 0x0A { t[b] = true }
        for c in "&<>\"'".utf8 { t[Int(c)] = true }
        t[0xEF] = true  // lead byte of U+FFFE / U+FFFF
        return t
    }()

    static func append(_ src: ArraySlice<UInt8>, to out: inout [UInt8]) {
        src.withUnsafeBufferPointer { append($0, to: &out) }
    }

    static func append(_ src: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        let n = src.count
        var start = 0
        var i = 0
        special.withUnsafeBufferPointer { table in
            while i < n {
                let b = src[i]
                if !table[Int(b)] {
                    i += 1
                    continue
                }
                if b == 0xEF {
                    // U+FFFE and U+FFFF are EF BF BE / EF BF BF; other EF sequences are fine.
                    if i + 2 < n && src[i + 1] == 0xBF && (src[i + 2] == 0xBE || src[i + 2] == 0xBF) {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: src[start ..< i]))
                        out.append(contentsOf: replacement)
                        i += 3
                        start = i
                    } else {
                        i += 1
                    }
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: src[start ..< i]))
                switch b {
                case UInt8(ascii: "&"): out.append(contentsOf: [0x26, 0x61, 0x6D, 0x70, 0x3B])  // &amp;
                case UInt8(ascii: "<"): out.append(contentsOf: [0x26, 0x6C, 0x74, 0x3B])  // &lt;
                case UInt8(ascii: ">"): out.append(contentsOf: [0x26, 0x67, 0x74, 0x3B])  // &gt;
                case UInt8(ascii: "\""): out.append(contentsOf: [0x26, 0x71, 0x75, 0x6F, 0x74, 0x3B])  // &quot;
                case UInt8(ascii: "'"): out.append(contentsOf: [0x26, 0x23, 0x33, 0x39, 0x3B])  // &#39;
                default: out.append(contentsOf: replacement)  // control character
                }
                i += 1
                start = i
            }
        }
        if start < n { out.append(contentsOf: UnsafeBufferPointer(rebasing: src[start ..< n])) }
    }

    /// The escaped form of `s` as a String (for tests and small option strings).
    static func escape(_ s: String) -> String {
        var out: [UInt8] = []
        var copy = s
        copy.withUTF8 { append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }
}
