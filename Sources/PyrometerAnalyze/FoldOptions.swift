import PyrometerModel

/// How a profile's stacks become folded frame names. Each field documents its default; the defaults reproduce
/// inferno's `collapse-perf` output with no options.
public struct FoldOptions: Sendable, Equatable {
    /// Which sample type to fold; `nil` (the default) uses the profile's default sample type.
    public var sampleType: Int? = nil
    /// Append `-PID` to the process root frame (perf input). Default off.
    public var includePid = false
    /// Append `-PID/TID` to the process root frame; implies `includePid`. Default off.
    public var includeTid = false
    /// Append `_[k]` to kernel frames. Default off.
    public var annotateKernel = false
    /// Append `_[j]` to JIT frames (`/tmp/perf-PID.map`, `jitted-*.so`). Default off.
    public var annotateJit = false
    /// Show the address of unsymbolized frames: `[module <addr>]`. Default off. Perf input must then be imported
    /// with `ImportOptions.keepAddresses`, which keeps the addresses of frames whose module is unknown too.
    public var includeAddresses = false
    /// Keep inlined frames (marked `_[i]` when they are lines of one location). Default on.
    public var includeInline = true
    /// Mark the inlined frames perf prints as frames of their own (`mix (inlined)`) with `_[i]` too, so that folded
    /// text keeps them apart from calls (the store does). Default off: inferno names them plainly.
    public var markInlineFrames = false
    /// Name frames by their functions' full names (a Swift function with its parameter types) instead of their
    /// labels (`Module.Type.method(_:_:)`). Default off: folded text and flamegraph labels use the short form.
    public var fullNames = false
    /// Cut each stack above the first frame (from the leaf) with one of these names, dropping its callers and
    /// the process root frame. Default none.
    public var skipAfter: [String] = []
    /// Put the process name (and pid/tid) as the root frame when samples carry a `comm` label. Default on.
    public var processRoot = true

    public init() {}

    /// Per location of `profile`: whether one of its functions is named in `skipAfter` (by full name, label or
    /// system name); empty when `skipAfter` is.
    func skipAfterMatches(in profile: Profile) -> [Bool] {
        let names = Set(skipAfter)
        guard !names.isEmpty else { return [] }
        return profile.locations.map { location in
            location.lines.contains {
                let function = profile.functions[Int($0.function)]
                return [function.name, function.shortName, function.systemName].contains {
                    $0 != 0 && names.contains(profile.strings[Int($0)])
                }
            }
        }
    }

    /// Both annotations, as `--all` does.
    public mutating func annotateAll() {
        annotateKernel = true
        annotateJit = true
    }
}

/// Module-name rules shared by folding and rendering.
public enum ModuleKind {
    /// What folding annotates `_[k]`, inferno's rule: a kernel file (`MappingKind.kernel`), or any bracketed
    /// pseudo-module but `[unknown]` (`[vdso]`, `[heap]`, `[anon:…]` too).
    public static func isKernel(_ module: String) -> Bool {
        switch MappingKind(path: module) {
        case .kernel, .vdso: true
        case .anonymous: module.hasPrefix("[")
        case .jit, .unknown, .file: false
        }
    }

    /// JIT code: perf map files and jitdump-generated `jitted-*.so` objects.
    public static func isJit(_ module: String) -> Bool { MappingKind(path: module) == .jit }

    /// The last path component.
    public static func basename(_ module: String) -> Substring {
        if let slash = module.lastIndex(of: "/") { return module[module.index(after: slash)...] }
        return module[...]
    }
}
