import PyrometerModel

/// How samples are charged to functions in hotspots, diffs, gates and trends (docs/attribution.md). Each field
/// documents its default.
public struct AttributionOptions: Sendable, Equatable {
    /// Count inlined functions as functions of their own, as `go tool pprof -top` does (`main.mix (inline)`).
    /// Default off: self time belongs to the function that owns the machine code (the symbol-table function, as
    /// `perf report` and `pprof -top -noinlines` count it), and the inlined callee it was spent in is listed as
    /// that function's breakdown. Whichever way a recording was read (perf.data and DWARF `perf script` expand
    /// inline frames, frame-pointer `perf script` does not), the owner is the same.
    public var inlineFunctions = false
    /// Keep an interpreter's or JIT runtime's native frames as functions. Default off: in a stack that holds
    /// application frames (CPython's `py::` trampolines, Java and Node.js perf-map frames), the runtime's and the
    /// system's frames above the innermost application frame are charged to it and listed as its breakdown, and
    /// the runtime's frames between application frames are left out.
    public var native = false
    public init() {}
}

/// What a sample's self value was spent in, inside the function it is charged to.
public enum ChargeKind: Sendable, Equatable {
    /// An inlined callee of the owning function.
    case inlined
    /// A native frame (of the runtime, the system libraries or the kernel) run for an application frame.
    case native
}

/// The role a frame plays for attribution, from its module and name.
enum FrameRole: UInt8 {
    /// Code of the program (or of a library that is neither a runtime nor the system).
    case program
    /// Application code run by an interpreter or JIT: a CPython perf trampoline, a perf-map JIT frame.
    case application
    /// The interpreter or virtual machine that runs application code: libpython, the python executable,
    /// libjvm.so, node.
    case runtime
    /// The kernel, libc and its siblings, the dynamic loader, the vDSO.
    case system
}

/// Module and frame-name rules of attribution. Folded text has no modules: there, `_[j]` marks JIT frames and
/// `_[k]` kernel frames, and every other frame counts as runtime (roles matter only in stacks that hold
/// application frames).
enum FrameRoles {
    /// The role of a location whose mapping is `module` (may be empty) and whose owning function is `name`.
    static func role(module: String, name: String?) -> FrameRole {
        if module.isEmpty {
            // Folded text, `[unknown]` modules, perf's separately printed inline frames: only the names tell.
            if let name, isApplicationName(name) { return .application }
            switch name.flatMap(FrameAnnotation.of) {
            case .jit: return .application
            case .kernel: return .system
            default: return .runtime
            }
        }
        if ModuleKind.isJit(module) { return .application }
        if ModuleKind.isKernel(module) { return .system }
        let base = ModuleKind.basename(module)
        if isRuntime(base) { return .runtime }
        if isSystem(base) { return .system }
        return .program
    }

    /// CPython 3.12's perf trampolines (`py::func:/path/app.py`) and Node.js `--perf-basic-prof` frames
    /// (`LazyCompile:*f /app.js:1:2`, `JS:~f`, ...), for frames whose module is unknown (folded text): with a
    /// module, the perf map says it.
    static func isApplicationName(_ name: String) -> Bool {
        if name.hasPrefix("py::") { return name.utf8.dropFirst(4).contains(UInt8(ascii: ":")) }
        if name.hasPrefix("JS:") || name.hasPrefix("LazyCompile:") || name.hasPrefix("InterpretedFunction:") {
            return true
        }
        for prefix in ["Function:", "Script:"] where name.hasPrefix(prefix) {
            // Common words: only with V8's tier mark after the colon (`*` optimized, `~` interpreted, `^` baseline).
            guard let tier = name.utf8.dropFirst(prefix.utf8.count).first else { return false }
            return tier == UInt8(ascii: "*") || tier == UInt8(ascii: "~") || tier == UInt8(ascii: "^")
        }
        return false
    }

    /// libpython3.12.so.1.0, python3.12, python3, libjvm.so, node, libnode.so.109.
    static func isRuntime(_ base: Substring) -> Bool {
        base.hasPrefix("libpython") || base.hasPrefix("python") || base == "libjvm.so" || base == "node"
            || base == "nodejs" || base.hasPrefix("libnode.so")
    }

    /// The C library and its siblings, the loader and the vDSO: what a runtime calls on behalf of the application.
    static func isSystem(_ base: Substring) -> Bool {
        if base == "[vdso]" || base == "[vsyscall]" || base.hasPrefix("ld-linux") || base.hasPrefix("ld-") {
            return true
        }
        for library in ["libc", "libm", "libpthread", "libdl", "librt", "libgcc_s", "libstdc++", "libc++"]
        where base.hasPrefix(library + ".so") || base.hasPrefix(library + "-") {
            return true
        }
        return false
    }
}
