import PyrometerModel

/// On-CPU time from `sched:sched_stat_runtime` in a recording without a clock event (SchedRuntime.swift), and
/// off-CPU time from perf's `offcpu-time` event (`perf record --off-cpu`).
extension PerfDataReader {
    /// Which events give on-CPU time by their `runtime` field, and which are `offcpu-time`. With a clock event the
    /// clock's samples are the on-CPU time, and the runtime updates would count it twice.
    mutating func configureRuntime() {
        let hasClock = wallClock.isClock.contains(true)
        wallClock.runtime.fields = attrs.map { attr in
            guard !hasClock, attr.type == PerfData.tracepointType, let format = eventFormats[attr.config],
                  format.system == "sched", format.name == "sched_stat_runtime" else { return nil }
            return format.field(named: "runtime")
        }
        wallClock.runtime.isOffCPUTime = attrs.indices.map {
            attrs[$0].sampleType.contains(.period) && eventName(of: $0) == WallClock.offCPUTimeEvent
        }
    }

    /// The nanoseconds a `sched_stat_runtime` sample reports; nil for other events.
    func runtime(of attrIndex: Int, raw: UnsafeRawBufferPointer) -> UInt64? {
        attrIndex < wallClock.runtime.fields.count ? wallClock.runtime.fields[attrIndex]?.value(in: raw) : nil
    }

    /// Whether on-CPU time comes from `sched_stat_runtime`.
    var runtimeIsOnCPU: Bool { wallClock.runtime.fields.contains { $0 != nil } }

    func isOffCPUTime(_ attrIndex: Int) -> Bool {
        attrIndex < wallClock.runtime.isOffCPUTime.count && wallClock.runtime.isOffCPUTime[attrIndex]
    }

    /// A runtime update of `tid` taken at `slot`: charged where its previous update found it (RuntimeTracker).
    mutating func chargeRuntime(_ tid: UInt32, _ nanoseconds: UInt64, at slot: OffCPUSlot) {
        let target = wallClock.runtime.tracker.update(tid, at: slot)
        guard nanoseconds > 0 else { return }
        switch target {
        case .stack(let stack, let labels): addOnCPU(stack: stack, labels: labels, period: nanoseconds)
        case .unwinding(let number): wallClock.runtime.waiting[number, default: 0] += nanoseconds
        }
    }

    /// The number of a runtime update whose stack waits to be unwound.
    mutating func nextRuntimeNumber() -> Int {
        defer { wallClock.runtime.nextNumber += 1 }
        return wallClock.runtime.nextNumber
    }

    /// A runtime update's stack is known: what was charged to it meanwhile is added, and the thread's next update
    /// finds it.
    mutating func unwoundRuntime(_ number: Int, tid: UInt32, stack: StackID, labels: LabelSetID) {
        if let nanoseconds = wallClock.runtime.waiting.removeValue(forKey: number) {
            addOnCPU(stack: stack, labels: labels, period: nanoseconds)
        }
        if case .unwinding(number)? = wallClock.runtime.tracker.running[tid] {
            wallClock.runtime.tracker.replace(tid, with: .stack(stack, labels))
        }
    }

    /// The current sample's frames below its kernel part, as a stack.
    mutating func userStackID(kernelFrames: Int) -> StackID {
        builder.intern(stack: Array(WallClock.userPart(stack, kernelFrames: kernelFrames)))
    }

    /// An `offcpu-time` sample: `nanoseconds` off the CPU where its stack blocked.
    mutating func addOffCPUTime(stack: StackID, labels: LabelSetID, nanoseconds: UInt64) {
        charge(.stack(stack, offCPULabels(labels, WallClock.offCPUTimeState)), nanoseconds)
    }
}
