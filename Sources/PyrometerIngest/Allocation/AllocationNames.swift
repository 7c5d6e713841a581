import PyrometerDemangle
import PyrometerModel

/// Function names as allocation profilers print them, made the names perf gives the same code: demangled when the
/// profiler left them mangled (Rust v0, Swift), else without the parameters and clone suffixes that valgrind and
/// heaptrack print (`site_a(unsigned long) [clone .constprop.0]` → `site_a`), the printed text kept as the system
/// name. So a function is one function whichever tool recorded it.
enum AllocationNames {
    static func function(_ printed: String, file: String?, demangle: Bool, into builder: inout ProfileBuilder) -> Function {
        let filename = file.map { builder.intern($0) } ?? 0
        if demangle, var demangled = SymbolNames.demangledFunction(printed, into: &builder) {
            demangled.filename = filename
            return demangled
        }
        let name = ShortName.withoutParameters(printed)
        return Function(name: builder.intern(name), systemName: name == printed ? 0 : builder.intern(printed),
                        filename: filename)
    }
}
