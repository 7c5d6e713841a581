import PyrometerDemangle
import PyrometerModel

/// The allocators' own entry points. An allocation profile's stack ends in the function that asked for memory, not
/// in `malloc` or `operator new`: the gate's per-function rule charges that caller, and every `new` of a program
/// would otherwise be one function. One rule for every allocation importer.
public enum AllocatorFrames {
    /// Names as the profilers print them, without parameters (`operator new(unsigned long)` → `operator new`).
    static let names: Set<String> = [
        // C and POSIX, and glibc's internal names.
        "malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign", "aligned_alloc", "memalign",
        "valloc", "pvalloc", "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign",
        // C++ (every overload: sized, aligned, nothrow).
        "operator new", "operator new[]", "operator delete", "operator delete[]",
        // Swift's runtime and Rust's global allocator shims.
        "swift_slowAlloc", "swift_allocObject", "__rust_alloc", "__rust_alloc_zeroed", "__rust_realloc",
        "__rdl_alloc", "__rdl_alloc_zeroed", "__rdl_realloc", "__rg_alloc", "__rg_alloc_zeroed", "__rg_realloc",
    ]

    /// An allocator's own library, whose frames (its profiling hooks and malloc) are all the allocator's.
    static func isAllocatorLibrary(_ path: String) -> Bool {
        let base = path.split(separator: "/").last ?? ""
        return base.hasPrefix("libjemalloc") || base.hasPrefix("libtcmalloc")
    }

    /// Whether a frame named `name` (as printed, parameters or not) in `module` is the allocator's.
    static func isAllocator(name: String, module: String?) -> Bool {
        // valgrind's replacement functions live in its preloaded library, whatever their name.
        if let module, module.contains("/vgpreload_") { return true }
        return names.contains(ShortName.withoutParameters(name))
    }
}

extension AllocatorFrames {
    /// `profile` with the allocator's frames taken off the leaf end of every stack, for importers that could not
    /// name them (a perf probe's callers, a heap profile's addresses): symbolized, its stacks may end in
    /// `operator new` or `swift_allocObject`, which the gate would charge every allocation of a program to. An inline
    /// chain loses only its allocator lines; a stack that is all allocator keeps its outermost frame. Meant for
    /// profiles with `SourceTraits.allocatorFramesAtLeaves`, whose trait the result no longer has.
    public static func trimmingLeaves(of profile: Profile) -> Profile {
        var builder = ProfileBuilder(tablesOf: profile,
                                     sourceTraits: profile.sourceTraits.subtracting(.allocatorFramesAtLeaves))
        // Per location: nil to keep it, -1 to drop it, else the location without its allocator lines.
        var replacement = [LocationID?](repeating: nil, count: profile.locations.count)
        for (index, location) in profile.locations.enumerated() {
            let module = profile.mappingFile(of: location)
            if location.lines.isEmpty {
                if isAllocatorLibrary(module) || module.contains("/vgpreload_") { replacement[index] = -1 }
                continue
            }
            let allocatorLines = location.lines.prefix {
                isAllocator(name: profile.functionName($0), module: module)
            }.count
            if allocatorLines == location.lines.count {
                replacement[index] = -1
            } else if allocatorLines > 0 {
                var trimmed = location
                trimmed.lines.removeFirst(allocatorLines)
                replacement[index] = builder.intern(trimmed)
            }
        }
        let width = profile.sampleTypes.count
        var frames: [LocationID] = []
        for (row, sample) in profile.samples.enumerated() {
            frames.removeAll(keepingCapacity: true)
            frames.append(contentsOf: profile.stacks[sample.stack])
            var leaf = 0
            while leaf < frames.count - 1, replacement[Int(frames[leaf])] == -1 { leaf += 1 }
            if leaf < frames.count, let substitute = replacement[Int(frames[leaf])], substitute >= 0 {
                frames[leaf] = substitute
            }
            let stack = builder.intern(stack: Array(frames[leaf...]))
            let labels = builder.intern(labels: profile.labelSets[Int(sample.labels)])
            builder.add(stack: stack, labels: labels, values: Array(profile.values[row * width ..< (row + 1) * width]))
        }
        return builder.build()
    }
}
