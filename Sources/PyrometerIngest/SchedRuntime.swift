import PyrometerModel

/// On-CPU time of a recording without a clock event (`perf sched record`): `sched:sched_stat_runtime` reports,
/// at each update of a running task's accounting (a scheduler tick, its switch-out, a wakeup it makes), the
/// nanoseconds it ran since the previous one. Those nanoseconds are charged to where the previous update found the
/// thread, if it has not left the CPU since, and to the update's own stack otherwise (its first since it came
/// back). Why not always its own stack: the update at a switch-out reports the tail of a CPU phase from inside the
/// blocking call that ended it; charged there, a fifth of `burn`'s time went to `nanosleep` on the corpus.
struct RuntimeTracker<Slot> {
    /// Where each running thread's last update found it.
    private(set) var running: [UInt32: Slot] = [:]

    /// An update of `tid` taken at `slot`: the slot its nanoseconds are charged to.
    mutating func update(_ tid: UInt32, at slot: Slot) -> Slot {
        defer { running[tid] = slot }
        return running[tid] ?? slot
    }

    /// The thread left the CPU: its next update starts afresh.
    mutating func switchedOut(_ tid: UInt32) { running[tid] = nil }

    /// Replaces the thread's slot (a stack that became known).
    mutating func replace(_ tid: UInt32, with slot: Slot) {
        if running[tid] != nil { running[tid] = slot }
    }
}

extension WallClock {
    static let runtimeEvent = "sched:sched_stat_runtime"
    /// `perf record --off-cpu`'s event: a sample per blocked stretch (or their sum per stack), its period the
    /// nanoseconds blocked, its stack (user space only) where the thread blocked.
    static let offCPUTimeEvent = "offcpu-time"
    /// The state of `offcpu-time`'s time: perf records `S` and `D` by default and does not say which.
    static let offCPUTimeState = ThreadState.other("blocked")
    /// The time perf gives the `offcpu-time` samples it writes at the end (`OFF_CPU_TIMESTAMP`, ~0 << 32 ns): no
    /// time of the recording. `perf script` prints it to the microsecond, hence the lower bound.
    static let placeholderTime: UInt64 = 18_446_744_069_414_584_000

    /// The frames of `stack` (leaf first) that ran in user space: on-CPU time of an update goes there, not to the
    /// scheduler's bookkeeping the tracepoint fired in. A kernel thread's stack stays whole.
    static func userPart(_ stack: [LocationID], kernelFrames: Int) -> ArraySlice<LocationID> {
        kernelFrames < stack.count ? stack[kernelFrames...] : stack[...]
    }
}

/// The perf.data reader's `sched_stat_runtime` state: its `runtime` field per event, and on-CPU nanoseconds that
/// wait for their sample's stack to be unwound.
struct SchedRuntimeState {
    /// Per attribute: the `runtime` field when the event is `sched_stat_runtime` and the recording has no clock.
    var fields: [TraceEventFormat.Field?] = []
    /// Per attribute: whether it is `offcpu-time`.
    var isOffCPUTime: [Bool] = []
    var tracker = RuntimeTracker<OffCPUSlot>()
    var waiting: [Int: UInt64] = [:]
    var nextNumber = 0
}
