/// What a mapping's path names, decided by one rule for every reader and stage: perf's pseudo-modules, the
/// kernel's files, JIT code and the files a symbolizer can open.
public enum MappingKind: Sendable, Hashable {
    /// The kernel image or a kernel module: `[kernel.kallsyms]`, `[kernel.kallsyms]_text`, `…vmlinux[-version]`,
    /// `….ko`, `[bpf_prog]`-style pseudo-modules.
    case kernel
    /// JIT'd code named by a perf map (`/tmp/perf-PID.map`) or a jitdump object (`…/jitted-PID-N.so`).
    case jit
    /// The kernel's code mapped into every process: `[vdso]`, `[vsyscall]`, `[vectors]`.
    case vdso
    /// A module perf could not name: `[unknown]`, or an empty path.
    case unknown
    /// Anonymous memory that is not a perf-map JIT: `//anon`, `[anon:…]`, `[heap]`, `[stack]`.
    case anonymous
    /// A file on disk, which a symbolizer can look for.
    case file

    public init(path: some StringProtocol) {
        if path.isEmpty || path == "[unknown]" { self = .unknown; return }
        if path == "[vdso]" || path == "[vsyscall]" || path == "[vectors]" { self = .vdso; return }
        if PerfMapFile.isPath(path) || (path.contains("/jitted-") && path.hasSuffix(".so")) { self = .jit; return }
        if path == "//anon" || path.hasPrefix("[anon") || path == "[heap]" || path.hasPrefix("[stack") {
            self = .anonymous
            return
        }
        if path.hasPrefix("[") || path.hasSuffix(".ko") || Self.isVmlinux(path) { self = .kernel; return }
        self = .file
    }

    /// `…vmlinux` optionally followed by a version made of letters, digits, `-`, `.`, `_` (inferno's rule).
    public static func isVmlinux(_ path: some StringProtocol) -> Bool {
        let bytes = Array(path.utf8), needle = Array("vmlinux".utf8)
        guard bytes.count >= needle.count else { return false }
        var start = bytes.count - needle.count
        while start >= 0, Array(bytes[start ..< start + needle.count]) != needle { start -= 1 }
        guard start >= 0 else { return false }
        return bytes[(start + needle.count)...].allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        }
    }
}
