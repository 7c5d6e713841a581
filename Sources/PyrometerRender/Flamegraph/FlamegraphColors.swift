import PyrometerModel

/// An sRGB colour of a frame.
public struct FrameColor: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(r: UInt8, g: UInt8, b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// CSS form, e.g. `rgb(230,120,40)`.
    public var description: String { "rgb(\(r),\(g),\(b))" }
}

/// The single-hue colour families that the name-based palettes resolve to.
enum HueFamily {
    case hot, mem, io, red, green, blue, aqua, yellow, purple, orange
}

/// Colour selection for flamegraph frames, following flamegraph.pl's rules.
public enum FlamegraphColors {
    /// Very dark grey for `--` separator frames.
    static let separatorDark = FrameColor(r: 160, g: 160, b: 160)
    /// Dark grey for `-` separator frames.
    static let separatorLight = FrameColor(r: 200, g: 200, b: 200)

    /// The colour of a frame called `name` under `palette`. With `hash`, similar names get similar colours;
    /// otherwise the colour looks random but is derived from the name only, so it is the same on every run.
    public static func color(for name: String, palette: Palette, hash: Bool) -> FrameColor {
        let bytes = Array(name.utf8)
        if bytes.count == 2, bytes[0] == 0x2D, bytes[1] == 0x2D { return separatorDark }
        if bytes.count == 1, bytes[0] == 0x2D { return separatorLight }
        let v1: Double, v2: Double, v3: Double
        if hash {
            v1 = nameHash(bytes[...])
            let reversed = nameHash(ArraySlice(bytes.reversed()))
            v2 = reversed
            v3 = reversed
        } else {
            var state = StableHash.hash(name, seed: 0x5059_524F_4D45_5445)
            v1 = unitInterval(splitMix(&state))
            v2 = unitInterval(splitMix(&state))
            v3 = unitInterval(splitMix(&state))
        }
        return components(family(of: bytes, palette: palette), v1, v2, v3)
    }

    /// The hue family a name resolves to under `palette`.
    static func family(of name: [UInt8], palette: Palette) -> HueFamily {
        switch palette {
        case .hot: return .hot
        case .mem: return .mem
        case .io: return .io
        case .red: return .red
        case .green: return .green
        case .blue: return .blue
        case .aqua: return .aqua
        case .yellow: return .yellow
        case .purple: return .purple
        case .orange: return .orange
        case .wakeup: return .aqua
        case .java: return javaFamily(name)
        case .js: return jsFamily(name)
        case .perl: return perlFamily(name)
        case .rust: return rustFamily(name)
        }
    }

    // MARK: name rules

    private static func javaFamily(_ name: [UInt8]) -> HueFamily {
        // An exact trailing annotation `_[x]` (perf-map-agent / async-profiler style).
        if name.count >= 4, name[name.count - 4] == 0x5F, name[name.count - 3] == 0x5B, name.last == 0x5D {
            switch name[name.count - 2] {
            case UInt8(ascii: "k"): return .orange
            case UInt8(ascii: "i"): return .aqua
            case UInt8(ascii: "j"): return .green
            default: break
            }
        }
        if contains(name, "::") || hasPrefix(name, "-[") || hasPrefix(name, "+[") { return .yellow }  // C++, ObjC
        let java = name.first == UInt8(ascii: "L") ? name[1...] : name[...]
        if java.contains(UInt8(ascii: "/")) { return .green }
        if java.contains(UInt8(ascii: ".")) && java.first != UInt8(ascii: "[") { return .green }
        if let first = java.first, first >= UInt8(ascii: "A"), first <= UInt8(ascii: "Z") { return .green }
        return .red
    }

    private static func perlFamily(_ name: [UInt8]) -> HueFamily {
        if hasSuffix(name, "_[k]") { return .orange }
        if contains(name, "Perl") || contains(name, ".pl") { return .green }
        if contains(name, "::") { return .yellow }
        return .red
    }

    private static func jsFamily(_ name: [UInt8]) -> HueFamily {
        if !name.isEmpty && name.allSatisfy({ $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }) { return .green }
        if hasSuffix(name, "_[k]") { return .orange }
        if hasSuffix(name, "_[j]") { return name.contains(UInt8(ascii: "/")) ? .green : .aqua }
        if contains(name, "::") { return .yellow }
        if name.contains(UInt8(ascii: ":")) { return .aqua }
        if let slash = name.firstIndex(of: UInt8(ascii: "/")) {
            let path = Array(name[slash...])
            if contains(path, "node_modules/") { return .purple }
            if contains(path, ".js") { return .green }
        }
        return .red
    }

    private static func rustFamily(_ full: [UInt8]) -> HueFamily {
        // Drop a `module`` prefix.
        let name = full.firstIndex(of: UInt8(ascii: "`")).map { Array(full[($0 + 1)...]) } ?? full
        if hasPrefix(name, "core::") || hasPrefix(name, "std::") || hasPrefix(name, "alloc::")
            || (hasPrefix(name, "<core::") && !hasPrefix(name, "<core::future::from_generator::GenFuture<T>"))
            || hasPrefix(name, "<std::") || hasPrefix(name, "<alloc::")
        {
            return .orange  // the standard library
        }
        if contains(name, "::") { return .aqua }  // user crates
        return .yellow  // not Rust
    }

    // MARK: colour arithmetic

    @inline(__always)
    private static func channel(_ base: Int, _ range: Double, _ v: Double) -> UInt8 {
        UInt8(clamping: base + Int(range * v))
    }

    static func components(_ family: HueFamily, _ v1: Double, _ v2: Double, _ v3: Double) -> FrameColor {
        switch family {
        case .hot: return FrameColor(r: channel(205, 50, v3), g: channel(0, 230, v1), b: channel(0, 55, v2))
        case .mem: return FrameColor(r: 0, g: channel(190, 50, v2), b: channel(0, 210, v1))
        case .io: return FrameColor(r: channel(80, 60, v1), g: channel(80, 60, v1), b: channel(190, 55, v2))
        case .red: return FrameColor(r: channel(200, 55, v1), g: channel(50, 80, v1), b: channel(50, 80, v1))
        case .green: return FrameColor(r: channel(50, 60, v1), g: channel(200, 55, v1), b: channel(50, 60, v1))
        case .blue: return FrameColor(r: channel(80, 60, v1), g: channel(80, 60, v1), b: channel(205, 50, v1))
        case .yellow: return FrameColor(r: channel(175, 55, v1), g: channel(175, 55, v1), b: channel(50, 20, v1))
        case .purple: return FrameColor(r: channel(190, 65, v1), g: channel(80, 60, v1), b: channel(190, 65, v1))
        case .aqua: return FrameColor(r: channel(50, 60, v1), g: channel(165, 55, v1), b: channel(165, 55, v1))
        case .orange: return FrameColor(r: channel(190, 65, v1), g: channel(90, 65, v1), b: 0)
        }
    }

    /// flamegraph.pl's name hash: a weighted mix of the first three bytes (after any `module`` prefix), so names
    /// with a common start get similar colours. Returns a value in [0, 1].
    static func nameHash(_ name: ArraySlice<UInt8>) -> Double {
        var bytes = name
        if let tick = bytes.firstIndex(of: UInt8(ascii: "`")) { bytes = bytes[(tick + 1)...] }
        var vector = 0.0
        var weight = 1.0
        var maximum = 1.0
        var modulus = 10
        for byte in bytes.prefix(3) {
            let i = Double(Int(byte) % modulus)
            vector += i / Double(modulus - 1) * weight
            modulus += 1
            maximum += weight
            weight *= 0.70
        }
        return 1 - vector / maximum
    }

    @inline(__always)
    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in [0, 1) from the top 53 bits.
    @inline(__always)
    static func unitInterval(_ x: UInt64) -> Double { Double(x >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    // MARK: byte helpers

    private static func hasPrefix(_ bytes: [UInt8], _ prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { p in bytes.count >= p.count && zip(bytes, p).allSatisfy { $0 == $1 } }
    }

    private static func hasSuffix(_ bytes: [UInt8], _ suffix: StaticString) -> Bool {
        suffix.withUTF8Buffer { s in bytes.count >= s.count && zip(bytes[(bytes.count - s.count)...], s).allSatisfy { $0 == $1 } }
    }

    private static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { n in
            guard n.count > 0 else { return true }
            guard bytes.count >= n.count else { return false }
            var i = 0
            while i + n.count <= bytes.count {
                if bytes[i] == n[0] {
                    var j = 1
                    while j < n.count && bytes[i + j] == n[j] { j += 1 }
                    if j == n.count { return true }
                }
                i += 1
            }
            return false
        }
    }
}
