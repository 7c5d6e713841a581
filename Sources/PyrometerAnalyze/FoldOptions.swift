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
    /// A kernel module, kernel image or `[kernel.kallsyms]`-style pseudo module (not `[unknown]`).
    public static func isKernel(_ module: String) -> Bool {
        guard module != "[unknown]" else { return false }
        return module.hasPrefix("[") || module.hasSuffix(".ko") || isVmlinux(module)
    }

    /// `…vmlinux` optionally followed by a version made of letters, digits, `-`, `.`, `_`.
    public static func isVmlinux(_ module: String) -> Bool {
        let bytes = Array(module.utf8)
        let needle = Array("vmlinux".utf8)
        guard bytes.count >= needle.count else { return false }
        var start = bytes.count - needle.count
        while start >= 0 {
            if Array(bytes[start ..< start + needle.count]) == needle { break }
            start -= 1
        }
        guard start >= 0 else { return false }
        for b in bytes[(start + needle.count)...] {
            let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "_")
            if !ok { return false }
        }
        return true
    }

    /// JIT code: perf map files and jitdump-generated `jitted-*.so` objects.
    public static func isJit(_ module: String) -> Bool {
        PerfMapFile.isPath(module)
            || (module.contains("/jitted-") && module.hasSuffix(".so"))
    }

    /// The last path component.
    public static func basename(_ module: String) -> Substring {
        if let slash = module.lastIndex(of: "/") { return module[module.index(after: slash)...] }
        return module[...]
    }
}
