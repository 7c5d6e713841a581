import PyrometerModel

/// `sched:sched_stat_runtime` and `offcpu-time` in `perf script` text (SchedRuntime.swift): one worker's part. A
/// thread's first update in a chunk is charged where the thread was at the end of an earlier chunk, which only the
/// importer knows (it takes the chunks in order): such updates are held (`held`) and each chunk says where its
/// threads end (`endOfChunk`).
struct PerfScriptRuntime {
    typealias Slot = PerfScriptWallClock.Slot

    /// The sample types of `sched:sched_stat_runtime` and `offcpu-time`, once seen.
    var runtimeType: Int?
    var offCPUTimeType: Int?
    private var cpuType: Int?
    private var tracker = RuntimeTracker<Slot>()
    /// Threads that left the CPU in this chunk: their next update starts afresh.
    private var left: Set<UInt32> = []
    private(set) var held: [UInt32: (slot: Slot, nanoseconds: UInt64)] = [:]
    /// The update being read, charged once its stack is read.
    var pending: (tid: UInt32, nanoseconds: UInt64)?
    private var kernelMapping: MappingID?

    static let runtimeField = Array("runtime".utf8)

    mutating func startChunk() {
        tracker = RuntimeTracker()
        left.removeAll(keepingCapacity: true)
        held.removeAll(keepingCapacity: true)
        pending = nil
    }

    /// A switch-out line of `tid`. A preempted thread resumes where it was: the line's stack is its slot, as if it
    /// were an update of no time.
    mutating func switchedOut(_ tid: UInt32, state: ThreadState) {
        if state == .preempted && runtimeType != nil {
            pending = (tid, 0)
        } else {
            tracker.switchedOut(tid)
            left.insert(tid)
        }
    }

    /// The update's stack is read: its nanoseconds go to its thread's previous slot, its own, or wait (`held`).
    mutating func finishSample(stack: [LocationID], labels: LabelSetID, builder: inout ProfileBuilder) {
        guard let update = pending else { return }
        pending = nil
        if kernelMapping == nil { kernelMapping = builder.intern(Mapping(file: builder.intern("[kernel.kallsyms]"))) }
        let kernelFrames = stack.prefix { builder.location($0).mapping == kernelMapping }.count
        let slot = (builder.intern(stack: Array(WallClock.userPart(stack, kernelFrames: kernelFrames))), labels)
        if tracker.running[update.tid] == nil && !left.contains(update.tid) {
            held[update.tid] = (slot, update.nanoseconds)
            _ = tracker.update(update.tid, at: slot)
        } else {
            charge(tracker.update(update.tid, at: slot), update.nanoseconds, builder: &builder)
        }
    }

    mutating func charge(_ slot: Slot, _ nanoseconds: UInt64, builder: inout ProfileBuilder) {
        guard nanoseconds > 0 else { return }
        if cpuType == nil { cpuType = builder.sampleTypes.firstIndex(of: WallClock.cpu) ?? builder.addSampleType(WallClock.cpu) }
        builder.add(stack: slot.stack, labels: slot.labels, type: cpuType!, value: Int64(clamping: nanoseconds))
    }

    /// Where each thread of the chunk ends it: on the CPU at a slot, or off it (nil).
    func endOfChunk() -> [UInt32: Slot?] {
        var ends: [UInt32: Slot?] = [:]
        for tid in left { ends[tid] = .some(nil) }
        for (tid, slot) in tracker.running { ends[tid] = slot }
        return ends
    }
}
