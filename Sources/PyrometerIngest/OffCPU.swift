import PyrometerModel

/// Off-CPU time from `sched:sched_switch` samples, one reader's worth: a thread that switches out is off the CPU
/// from then until its next sample of any event, or the switch that puts it back on a CPU (`next_pid`), whichever
/// comes first. perf records a task's own events only, so the switch-in, in another task's context, is often
/// missing: the next sample ends the interval then. A thread still off the CPU when the recording ends is charged
/// up to its end; one already off the CPU when it started is not guessed at.
///
/// `Slot` is what a reader charges the interval to once it closes: a stack and labels, or a sample still waiting
/// to be unwound.
struct OffCPUTracker<Slot> {
    struct Blocked {
        var start: UInt64
        var slot: Slot
    }

    private(set) var blocked: [UInt32: Blocked] = [:]
    private(set) var latest: UInt64 = 0

    init(latest: UInt64 = 0) { self.latest = latest }

    var isEmpty: Bool { blocked.isEmpty }

    /// A time seen in the recording: the end of the intervals still open when it ends.
    mutating func observe(_ time: UInt64) { latest = max(latest, time) }

    /// Thread `tid` is seen at `time` (a sample of it, or a switch to it): its interval off the CPU ends, if any.
    mutating func seen(_ tid: UInt32, at time: UInt64) -> (slot: Slot, nanoseconds: UInt64)? {
        latest = max(latest, time)
        guard let interval = blocked.removeValue(forKey: tid) else { return nil }
        return (interval.slot, time >= interval.start ? time - interval.start : 0)
    }

    /// Thread `tid` switched out at `time`, its interval to be charged to `slot`. The idle task (tid 0, each
    /// CPU's `swapper`) and perf's "no task" (-1) wait for nothing: they are not tracked.
    mutating func switchedOut(_ tid: UInt32, at time: UInt64, slot: Slot) {
        latest = max(latest, time)
        guard tid != 0 && tid != .max else { return }
        blocked[tid] = Blocked(start: time, slot: slot)
    }

    /// Replaces the slot of `tid`'s open interval (a stack that became known).
    mutating func update(_ tid: UInt32, slot: Slot) {
        blocked[tid]?.slot = slot
    }

    /// The threads still off the CPU when the recording ended at `end`: charged up to it.
    mutating func finish(at end: UInt64) -> [(slot: Slot, nanoseconds: UInt64)] {
        let open = blocked.values.map { ($0.slot, end >= $0.start ? end - $0.start : 0) }
        blocked.removeAll()
        return open
    }
}

extension ProfileBuilder {
    /// The labels of off-CPU time: a thread's (`labels`), and why it left the CPU. `cache` keeps them per pair.
    mutating func offCPULabels(_ labels: LabelSetID, _ state: ThreadState,
                               cache: inout [OffCPULabelKey: LabelSetID]) -> LabelSetID {
        let key = OffCPULabelKey(labels: labels, state: state.label)
        if let known = cache[key] { return known }
        var list = self.labels(labels)
        list.append(Label(key: intern(LabelKey.offCPUState), string: intern(state.label)))
        let id = intern(labels: list)
        cache[key] = id
        return id
    }
}

struct OffCPULabelKey: Hashable {
    var labels: LabelSetID
    var state: String
}

/// The sample types of wall-clock time, and the label of off-CPU time, both readers give a recording with
/// `sched:sched_switch`.
enum WallClock {
    static let cpu = ValueType(type: "cpu", unit: "nanoseconds")
    static let offCPU = ValueType(type: "off-cpu", unit: "nanoseconds")
    static let wall = ValueType(type: "wall", unit: "nanoseconds")
    static let switchEvent = "sched:sched_switch"
}
