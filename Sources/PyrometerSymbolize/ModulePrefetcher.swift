import PyrometerModel

/// Opens the binaries a profile will be symbolized with while the profile is still being read: the reader of
/// perf.data calls `prefetch` for each mapping when a sample first lands in it, and a thread of its own locates the
/// file and opens it in a session of the symbolizer's pool, where `LibDWSymbolizer` finds it. Opening is the slow part of
/// symbolizing a small recording (glibc's debug file inflates 10 MB of compressed DWARF: 45 ms), and the reader
/// leaves a core idle.
public final class ModulePrefetcher: @unchecked Sendable {  // state under `lock`
    private let locator: FileLocator
    private let lines: Bool
    private let lock = ConditionLock()
    private var seen: Set<String> = []
    private var queue: [(path: String, buildID: String)] = []
    private var running = false

    /// For a symbolizer with `options` (the same files, the same `lines`).
    public init(options: SymbolizeOptions) {
        locator = FileLocator(binaryPaths: options.binaryPaths,
                              debugDirectories: options.debugDirectories + ["/usr/lib/debug"])
        lines = options.lines
    }

    /// Opens the file of a mapping (its path and build-id as recorded) in the background, once.
    public func prefetch(path: String, buildID: String) {
        guard path.hasPrefix("/"), !JitMap.isJitMap(path) else { return }
        let start = lock.withLock { () -> Bool in
            guard seen.insert(path + "\0" + buildID).inserted else { return false }
            queue.append((path, buildID))
            guard !running else { return false }
            running = true
            return true
        }
        if start { Threads.detach { self.drain() } }
    }

    private func drain() {
        while let next = lock.withLock({ () -> (path: String, buildID: String)? in
            guard !queue.isEmpty else {
                running = false
                return nil
            }
            return queue.removeFirst()
        }) {
            guard case .success(let found) = locator.locate(path: next.path, buildID: next.buildID) else { continue }
            SessionPool.shared.open(path: found.symbolFile, lines: lines)
        }
    }
}
