import PyrometerModel

/// Where a `sched_switch` sample's raw record keeps the switch: the task leaving, why, and the task coming in.
struct SchedSwitchFields {
    var prevPID: TraceEventFormat.Field
    var prevState: TraceEventFormat.Field
    var nextPID: TraceEventFormat.Field

    init?(_ format: TraceEventFormat) {
        guard format.system == "sched", format.name == "sched_switch",
              let prevPID = format.field(named: "prev_pid"), let prevState = format.field(named: "prev_state"),
              let nextPID = format.field(named: "next_pid") else { return nil }
        self.prevPID = prevPID
        self.prevState = prevState
        self.nextPID = nextPID
    }

    func read(_ raw: UnsafeRawBufferPointer) -> (prev: UInt32, state: ThreadState, next: UInt32)? {
        guard let prev = prevPID.value(in: raw), let state = prevState.value(in: raw),
              let next = nextPID.value(in: raw) else { return nil }
        return (UInt32(truncatingIfNeeded: prev), ThreadState(bits: state), UInt32(truncatingIfNeeded: next))
    }
}

/// What an off-CPU interval is charged to once it closes: a stack with its labels (the thread's and its state),
/// or a sample of the unwinding batch, by its number.
enum OffCPUSlot {
    case stack(StackID, LabelSetID)
    case unwinding(Int)
}

/// Wall-clock time of a recording with `sched:sched_switch`: on-CPU time from its clock samples (`cpu`), off-CPU
/// time from its switches (`off-cpu`), both in `wall` (OffCPU.swift).
extension PerfDataReader {
    /// The wall-clock sample types, made on the first sample of a recording that has `sched_switch`; nil without.
    /// Each event's part (switch fields, clock or neither) is worked out here once, not per sample.
    mutating func wallClockTypes() -> WallClockTypes? {
        if let types = wallClock.types { return types }
        guard !wallClock.checked else { return nil }
        wallClock.checked = true
        wallClock.switchFields = attrs.map { attr in
            attr.type == PerfData.tracepointType ? eventFormats[attr.config].flatMap(SchedSwitchFields.init) : nil
        }
        wallClock.isClock = attrs.indices.map {
            attrs[$0].sampleType.contains(.period) && eventName(of: $0).hasSuffix("clock")
        }
        configureRuntime()  // PerfDataReader+Runtime.swift: sched_stat_runtime, offcpu-time
        guard wallClock.switchFields.contains(where: { $0 != nil }) || wallClock.runtime.isOffCPUTime.contains(true)
        else { return nil }
        let types = WallClockTypes(
            wall: builder.sampleTypes.firstIndex(of: WallClock.wall) ?? builder.addSampleType(WallClock.wall),
            cpu: builder.sampleTypes.firstIndex(of: WallClock.cpu) ?? builder.addSampleType(WallClock.cpu),
            offCPU: builder.sampleTypes.firstIndex(of: WallClock.offCPU) ?? builder.addSampleType(WallClock.offCPU))
        wallClock.types = types
        return types
    }

    /// The switch a `sched_switch` sample records; nil for other events.
    func schedSwitch(of attrIndex: Int, raw: UnsafeRawBufferPointer) -> (prev: UInt32, state: ThreadState, next: UInt32)? {
        attrIndex < wallClock.switchFields.count ? wallClock.switchFields[attrIndex]?.read(raw) : nil
    }

    /// Whether an event's period is time on a CPU in nanoseconds (cpu-clock, task-clock).
    func isClock(_ attrIndex: Int) -> Bool {
        attrIndex < wallClock.isClock.count && wallClock.isClock[attrIndex]
    }

    /// The labels of off-CPU time: the thread's, and why it left the CPU.
    mutating func offCPULabels(_ labels: LabelSetID, _ state: ThreadState) -> LabelSetID {
        builder.offCPULabels(labels, state, cache: &wallClock.stateLabels)
    }

    /// Thread `tid` was seen at `time`: its off-CPU interval, if one was open, is charged.
    mutating func threadSeen(_ tid: UInt32, at time: UInt64) {
        guard let closed = wallClock.tracker.seen(tid, at: time) else { return }
        charge(closed.slot, closed.nanoseconds)
    }

    mutating func charge(_ slot: OffCPUSlot, _ nanoseconds: UInt64) {
        guard let types = wallClock.types else { return }
        switch slot {
        case .stack(let stack, let labels):
            let value = Int64(clamping: nanoseconds)
            builder.add(stack: stack, labels: labels, type: types.offCPU, value: value)
            builder.add(stack: stack, labels: labels, type: types.wall, value: value)
        case .unwinding(let number):
            wallClock.closedWhileUnwinding[number] = nanoseconds
        }
    }

    /// On-CPU time of a clock sample: into `cpu` and `wall` as well as its own event.
    mutating func addOnCPU(stack: StackID, labels: LabelSetID, period: UInt64) {
        guard let types = wallClock.types else { return }
        builder.add(stack: stack, labels: labels, type: types.cpu, value: Int64(clamping: period))
        builder.add(stack: stack, labels: labels, type: types.wall, value: Int64(clamping: period))
    }

    /// A switched-out sample's stack is known (it was unwound): its interval is charged if it closed meanwhile, or
    /// will be charged to this stack.
    mutating func unwoundSwitch(_ number: Int, tid: UInt32, stack: StackID, labels: LabelSetID) {
        if let nanoseconds = wallClock.closedWhileUnwinding.removeValue(forKey: number) {
            charge(.stack(stack, labels), nanoseconds)
        } else if case .unwinding(number)? = wallClock.tracker.blocked[tid]?.slot {
            wallClock.tracker.update(tid, slot: .stack(stack, labels))
        }
    }

    /// At the end of the recording: the threads still off the CPU are charged up to its last sample.
    mutating func finishOffCPU() {
        for open in wallClock.tracker.finish(at: lastTime) { charge(open.slot, open.nanoseconds) }
    }
}

struct WallClockTypes {
    var wall: Int, cpu: Int, offCPU: Int
}

/// The reader's wall-clock state.
struct WallClockState {
    var checked = false
    var types: WallClockTypes?
    var tracker = OffCPUTracker<OffCPUSlot>()
    var stateLabels: [OffCPULabelKey: LabelSetID] = [:]
    /// Per attribute: its switch fields when it is `sched_switch`, and whether it is a clock.
    var switchFields: [SchedSwitchFields?] = []
    var isClock: [Bool] = []
    /// Durations of intervals that closed while their switch-out sample waited to be unwound, by its number.
    var closedWhileUnwinding: [Int: UInt64] = [:]
    var nextUnwindingNumber = 0
    var runtime = SchedRuntimeState()
}
