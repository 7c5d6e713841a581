import PyrometerDemangle
import PyrometerModel

/// Names of functions a recorder left mangled (perf does not demangle Swift; `perf script --no-demangle`, folded
/// stacks and pprof profiles may hold any scheme), demangled once per unique symbol by the importers.
enum SymbolNames {
    /// The function for `symbol` when it is mangled: named as analyses key it (`DemangledName.name`), labelled with
    /// its short form when that differs, the mangled symbol kept as its system name. `suffix` (a folded `_[i]`)
    /// is appended to both names. Nil when `symbol` is not mangled or the demangler rejects it.
    static func demangledFunction(_ symbol: String, suffix: String = "",
                                  into builder: inout ProfileBuilder) -> Function? {
        var copy = symbol
        let demangled = copy.withUTF8 { bytes -> DemangledName? in
            let raw = UnsafeRawBufferPointer(bytes)
            return Demangler.isMangled(raw) ? Demangler.demangle(raw) : nil
        }
        guard let demangled else { return nil }
        let name = ShortName.withoutSemicolons(demangled.name) + suffix
        let short = demangled.short + suffix
        return Function(name: builder.intern(name), systemName: builder.intern(symbol + suffix),
                        shortName: short == name ? 0 : builder.intern(short))
    }
}
