import CLibDW
import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import PyrometerIngest
import PyrometerModel

/// Unwinds `perf record --call-graph dwarf` samples in-process with elfutils' libdwfl frame API, as perf's
/// `util/unwind-libdw.c` does: a `Dwfl` per process whose modules are the process's mapped binaries (reported as
/// frames reach them), `dwfl_attach_state` with callbacks that give the sample's registers and read its stack copy,
/// then `dwfl_getthread_frames`. libdw finds each frame's rule in `.eh_frame` (or `.debug_frame`), and falls back
/// to the frame pointer where there is none.
///
/// Batches are split over the cores, each worker with a session of its own (libdw handles cannot be shared between
/// threads). A session keeps each process's `Dwfl` while the process's maps stay the same, so the ELF files, their
/// CFI tables and libdw's cache of parsed frame descriptions are built once per process and worker, not per sample
/// (perf 6.1 builds a new `Dwfl` for every sample).
public final class DwarfUnwinder: UserStackUnwinder {
    /// The most frames unwound per sample: perf's default (`kernel.perf_event_max_stack`).
    public static let maxFrames = 127

    private let locator: FileLocator
    private let threads: Int
    private let cachedRules: Bool
    /// Sessions between batches. A pthread mutex (`ConditionLock`), not the Synchronization module's `Mutex`:
    /// ThreadSanitizer sees no ordering in that `Mutex`'s futex path, and reported a session handed from one worker
    /// to the next as a race (a CI run of 2026-12-02).
    private let sessionLock = ConditionLock()
    nonisolated(unsafe) private var idleSessions: [UnwindSession] = []

    /// `cachedRules: false` unwinds every frame with libdwfl (the check that the cached rules change nothing).
    public init(binaryPaths: [String] = [], debugDirectories: [String] = [],
                threads: Int = ProcessInfoLite.activeProcessorCount, cachedRules: Bool = true) {
        locator = FileLocator(binaryPaths: binaryPaths, debugDirectories: debugDirectories + ["/usr/lib/debug"])
        self.threads = max(1, threads)
        self.cachedRules = cachedRules
    }

    /// Symbolizer options name the same directories the unwinder looks for binaries in.
    public convenience init(options: SymbolizeOptions) {
        self.init(binaryPaths: options.binaryPaths, debugDirectories: options.debugDirectories,
                  threads: options.threads)
    }

    public func unwind(_ batch: UnwindBatch) -> UnwoundStacks {
        let count = batch.samples.count
        // Small batches are not worth a thread each (a worker's first sample of a process opens its binaries).
        let workers = max(1, min(threads, count / 256))
        let parts = UnsafeMutableBufferPointer<UnwoundStacks>.allocate(capacity: workers)
        parts.initialize(repeating: UnwoundStacks())
        defer { parts.deinitialize().deallocate() }
        let shared = SendableBuffer(parts)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let session = sessionLock.withLock { idleSessions.popLast() }
                ?? UnwindSession(locator: locator, cachedRules: cachedRules)
            let range = count * worker / workers ..< count * (worker + 1) / workers
            shared.buffer[worker] = session.unwind(batch, samples: range)
            sessionLock.withLock { idleSessions.append(session) }
        }
        var result = UnwoundStacks()
        for part in parts { result.append(part) }
        return result
    }
}

/// A buffer written by `concurrentPerform` workers, each at its own index.
private struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
