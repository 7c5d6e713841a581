// PyrometerDemangle: symbol demangling for every stage that meets mangled names (the symbolizer, and the importers
// of perf script text, folded stacks and pprof). C++ (Itanium ABI) and legacy Rust go through libstdc++'s
// `__cxa_demangle`, Rust v0 through libiberty's `cplus_demangle`, Swift through the Swift runtime's `swift_demangle`
// (all declared in CDemangle, the only C this target touches). Each name comes back twice: `full`, the complete
// demangled text, and `short`, the flamegraph label (`ShortName`).
import CDemangle
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Demangling of C++, Rust (legacy and v0) and Swift symbols.
public enum Demangler {
    /// The demangled form of `symbol`; nil when `symbol` is not a mangled name of a known scheme, or the demangler
    /// rejects it.
    ///
    /// Symbol versions as `nm` and perf print them (`@@GLIBC_2.34`, `@GLIBCXX_3.4`) are dropped before
    /// demangling; `@plt` (a PLT stub, other code than the function) is kept at the end of both names. Compiler
    /// clone suffixes stay in `full` as libstdc++ prints them (`f(int) [clone .constprop.0]`). A name holding a
    /// NUL byte is rejected.
    public static func demangle(_ symbol: String) -> DemangledName? {
        var symbol = symbol
        return symbol.withUTF8 { demangle(UnsafeRawBufferPointer($0)) }
    }

    /// `demangle(_:)` on the bytes of a symbol, for importers that hold raw input.
    public static func demangle(_ bytes: UnsafeRawBufferPointer) -> DemangledName? {
        guard isMangled(bytes), let base = bytes.baseAddress else { return nil }
        // No mangling scheme uses `@`: what follows it is a symbol version or `@plt`.
        var end = bytes.count
        var isPLT = false
        if let at = memchr(base, Int32(UInt8(ascii: "@")), bytes.count) {
            end = base.distance(to: UnsafeRawPointer(at))
            isPLT = bytes[end...].elementsEqual("@plt".utf8)
        }
        guard memchr(base, 0, end) == nil else { return nil }
        let demangled = withUnsafeTemporaryAllocation(of: CChar.self, capacity: end + 1) { buffer -> DemangledName? in
            guard let cString = buffer.baseAddress else { return nil }
            UnsafeMutableRawPointer(cString).copyMemory(from: base, byteCount: end)
            cString[end] = 0
            return demangle(cString: cString, count: end)
        }
        guard var name = demangled else { return nil }
        if isPLT {
            name.name += "@plt"
            name.full += "@plt"
            name.short += "@plt"
        }
        return name
    }

    /// Whether `bytes` could be a mangled name (`_Z`, `_R` and an upper-case letter or digit, `$s`, `_$s`, `$S`,
    /// `_$S`, `$e`, `_$e`, `_T0`): a look at the first three bytes, for importers to call before `demangle`.
    /// - Complexity: O(1), no allocation.
    public static func isMangled(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count >= 3 else { return false }
        let first = bytes[0], second = bytes[1], third = bytes[2]
        switch first {
        case UInt8(ascii: "_"):
            switch second {
            case UInt8(ascii: "Z"): return true
            case UInt8(ascii: "R"):
                return (third >= UInt8(ascii: "A") && third <= UInt8(ascii: "Z"))
                    || (third >= UInt8(ascii: "0") && third <= UInt8(ascii: "9"))
            case UInt8(ascii: "$"): return isSwiftMarker(third)
            case UInt8(ascii: "T"): return third == UInt8(ascii: "0")
            default: return false
            }
        case UInt8(ascii: "$"):
            return isSwiftMarker(second)
        default:
            return false
        }
    }

    private static func isSwiftMarker(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "s") || byte == UInt8(ascii: "S") || byte == UInt8(ascii: "e")
    }

    // MARK: - The demanglers

    /// Demangles the NUL-terminated `cString` of `count` bytes (which `isMangled` accepted).
    private static func demangle(cString: UnsafeMutablePointer<CChar>, count: Int) -> DemangledName? {
        let first = UInt8(bitPattern: cString[0]), second = UInt8(bitPattern: cString[1])
        if first == UInt8(ascii: "_") && second == UInt8(ascii: "R") {
            guard let full = taking(cplus_demangle(cString, DMGL_PARAMS | DMGL_ANSI | DMGL_RUST)) else { return nil }
            return DemangledName(full: full, short: ShortName.withoutSemicolons(full), scheme: .rustV0)
        }
        if first == UInt8(ascii: "_") && second == UInt8(ascii: "Z") {
            var status: Int32 = 0
            // perf's name: libiberty's `cplus_demangle` without options (no parameters, no return type; for legacy
            // Rust no hash), as `perf script` prints C++ and Rust symbols.
            let perfName = taking(cplus_demangle(cString, DMGL_NO_OPTS))
            if let demangled = taking(__cxa_demangle(cString, nil, nil, &status)), status == 0 {
                let stripped = strippingRustHash(demangled)
                // A legacy Rust path (it had the hash): its components still carry rustc's `$..$` escapes.
                guard stripped.utf8.count != demangled.utf8.count else {
                    // The label is perf's name shortened as inferno shortens perf's names, so that folded stacks
                    // read the same whether perf or Pyrometer demangled the symbol.
                    let name = perfName ?? ShortName.withoutParameters(demangled)
                    return DemangledName(name: name, full: demangled, short: ShortName.withoutParameters(name),
                                         scheme: .itanium)
                }
                let full = decodingRustEscapes(stripped)
                return DemangledName(name: perfName ?? full, full: full, short: ShortName.withoutParameters(full),
                                     scheme: .rustLegacy)
            }
            // libstdc++ rejects legacy Rust names that carry rustc's `.llvm.<digits>` suffix; libiberty's Rust
            // demangler takes them (and drops the hash and the suffix).
            if let perfName, !isRustLegacy(cString, count: count) {
                // A C++ name libiberty reads and libstdc++ does not: perf's name is the best there is.
                let short = ShortName.withoutParameters(perfName)
                return DemangledName(name: perfName, full: perfName, short: short, scheme: .itanium)
            }
            guard UInt8(bitPattern: cString[2]) == UInt8(ascii: "N"),
                  let full = taking(cplus_demangle(cString, DMGL_PARAMS | DMGL_ANSI | DMGL_RUST)) else { return nil }
            return DemangledName(name: perfName ?? full, full: full, short: ShortName.withoutParameters(full),
                                 scheme: .rustLegacy)
        }
        // Swift. The runtime gives the input back when it cannot demangle it.
        guard let text = swift_demangle(cString, count, nil, nil, 0) else { return nil }
        defer { free(text) }
        guard strcmp(text, cString) != 0 else { return nil }
        let full = String(cString: text)
        return DemangledName(full: full, short: ShortName.swift(full), scheme: .swift)
    }

    /// Whether an Itanium-shaped name is legacy Rust: its last component is `17h` and 16 hex digits, `E` (before
    /// any `.llvm.` or clone suffix).
    private static func isRustLegacy(_ cString: UnsafeMutablePointer<CChar>, count: Int) -> Bool {
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self), count: count)
        var index = 0
        while index + 20 <= bytes.count {
            if bytes[index] == UInt8(ascii: "1") && bytes[index + 1] == UInt8(ascii: "7")
                && bytes[index + 2] == UInt8(ascii: "h") && bytes[index + 19] == UInt8(ascii: "E")
                && bytes[(index + 3) ..< (index + 19)].allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) {
                return true
            }
            index += 1
        }
        return false
    }

    /// A `String` made from a C string the callee allocated with `malloc`, which is freed.
    private static func taking(_ text: UnsafeMutablePointer<CChar>?) -> String? {
        guard let text else { return nil }
        defer { free(text) }
        return String(cString: text)
    }
}
