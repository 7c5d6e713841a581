import PyrometerDemangle

/// The allocators' own entry points. An allocation profile's stack ends in the function that asked for memory, not
/// in `malloc` or `operator new`: the gate's per-function rule charges that caller, and every `new` of a program
/// would otherwise be one function. One rule for every allocation importer.
enum AllocatorFrames {
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
