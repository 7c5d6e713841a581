import PyrometerModel

/// Off-CPU time in `perf script` text (OffCPU.swift): one worker's part. A worker sees its chunks of the text only,
/// so an interval still open at the end of its chunk is handed over (`takeOpen`), and closed by the first line of
/// its thread in a later chunk (`firstSeen`), by the importer, which takes the chunks in order.
struct PerfScriptWallClock {
    typealias Slot = (stack: StackID, labels: LabelSetID)

    var tracker = OffCPUTracker<Slot>()
    /// The `sched:sched_switch` sample type, once seen.
    var switchType: Int?
    var offCPUType: Int?
    /// Each thread's first line in the current chunk.
    var firstSeen: [UInt32: UInt64] = [:]
    /// The thread of the previous header line in the chunk.
    private var lastSeen: UInt32?
    /// A switch-out line whose stack is being read: charged from its end.
    var pendingSwitch: (tid: UInt32, state: ThreadState, time: UInt64)?
    var stateLabels: [OffCPULabelKey: LabelSetID] = [:]

    static let prevPID = Array("prev_pid".utf8), prevState = Array("prev_state".utf8), nextPID = Array("next_pid".utf8)

    /// A header's time, `33959.327154:` after the pid/tid (and `[cpu]`), in nanoseconds; nil without one.
    static func time(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) -> UInt64? {
        let colon = Bytes.find(UInt8(ascii: ":"), in: base, from: start, to: stop)
        guard colon < stop else { return nil }
        var wordStart = colon
        while wordStart > start && base.load(fromByteOffset: wordStart - 1, as: UInt8.self) != Bytes.space { wordStart -= 1 }
        let dot = Bytes.find(UInt8(ascii: "."), in: base, from: wordStart, to: colon)
        guard let seconds = Bytes.parseDecimal(base, wordStart, dot) else { return nil }
        var nanoseconds: UInt64 = 0, digits = 0
        if dot < colon {
            guard let fraction = Bytes.parseDecimal(base, dot + 1, colon), colon - dot - 1 <= 9 else { return nil }
            nanoseconds = fraction
            digits = colon - dot - 1
        }
        for _ in digits ..< 9 { nanoseconds *= 10 }
        let (total, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? nil : total &+ nanoseconds
    }

    mutating func startChunk() {
        firstSeen.removeAll(keepingCapacity: true)
        lastSeen = nil
        pendingSwitch = nil
    }

    /// A header line of thread `tid` at `time`: its open interval, if any, is charged.
    mutating func seen(_ tid: UInt32, at time: UInt64, builder: inout ProfileBuilder) {
        tracker.observe(time)
        // Runs of lines come from one thread: its first line in the chunk is known already.
        if tid == lastSeen && tracker.isEmpty { return }
        lastSeen = tid
        if firstSeen[tid] == nil { firstSeen[tid] = time }
        guard !tracker.isEmpty, let closed = tracker.seen(tid, at: time) else { return }
        charge(closed.slot, closed.nanoseconds, builder: &builder)
    }

    /// A `sched_switch` line: `prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=2 ...`.
    mutating func switchLine(_ base: UnsafeRawPointer, _ fields: Range<Int>, time: UInt64, builder: inout ProfileBuilder) {
        guard let prev = PerfScriptProbes.argument(base, fields, Self.prevPID, probe: false),
              let state = PerfScriptProbes.argumentText(base, fields, Self.prevState) else { return }
        if let next = PerfScriptProbes.argument(base, fields, Self.nextPID, probe: false), next != 0 {
            seen(UInt32(truncatingIfNeeded: next), at: time, builder: &builder)
        }
        let leaving = ThreadState(letter: state)
        if !leaving.isExit { pendingSwitch = (UInt32(truncatingIfNeeded: prev), leaving, time) }
    }

    /// The switch-out line's stack is read: its interval opens.
    mutating func finishSample(stack: StackID, labels: LabelSetID, builder: inout ProfileBuilder) {
        guard let pending = pendingSwitch else { return }
        pendingSwitch = nil
        tracker.switchedOut(pending.tid, at: pending.time,
                            slot: (stack, builder.offCPULabels(labels, pending.state, cache: &stateLabels)))
    }

    mutating func charge(_ slot: Slot, _ nanoseconds: UInt64, builder: inout ProfileBuilder) {
        if offCPUType == nil {
            offCPUType = builder.sampleTypes.firstIndex(of: WallClock.offCPU) ?? builder.addSampleType(WallClock.offCPU)
        }
        builder.add(stack: slot.stack, labels: slot.labels, type: offCPUType!, value: Int64(clamping: nanoseconds))
    }

    /// The intervals open at the end of the chunk, handed to the importer.
    mutating func takeOpen() -> [UInt32: OffCPUTracker<Slot>.Blocked] {
        defer { tracker = OffCPUTracker(latest: tracker.latest) }
        return tracker.blocked
    }
}

extension WallClock {
    /// `profile` with `cpu` (the sum of its clock events, in nanoseconds) and `wall` (that and `off-cpu`) beside
    /// its types, the three first and `wall` the default: what the perf.data reader gives the same recording.
    /// Without a clock event `cpu` is what the reader made of `sched_stat_runtime` (PerfScriptRuntime).
    static func addingWallTime(_ profile: Profile) -> Profile {
        guard let offCPU = profile.sampleTypes.firstIndex(of: offCPU) else { return profile }
        let clocks = profile.sampleTypes.indices.filter {
            $0 != offCPU && profile.sampleTypes[$0].unit == "nanoseconds" && profile.sampleTypes[$0].type.hasSuffix("clock")
        }
        let runtime = profile.sampleTypes.firstIndex(of: cpu)
        var builder = ProfileBuilder(tablesOf: profile)
        let cpuType = runtime ?? builder.addSampleType(cpu), wallType = builder.addSampleType(wall)
        let width = profile.sampleTypes.count
        for (row, sample) in profile.samples.enumerated() {
            var values = Array(profile.values[row * width ..< (row + 1) * width])
            let onCPU = clocks.isEmpty ? runtime.map { values[$0] } ?? 0
                : clocks.reduce(Int64(0)) { $0.addingSaturated(values[$1]) }
            if let runtime { values[runtime] = onCPU } else { values.append(onCPU) }
            values.append(onCPU.addingSaturated(values[offCPU]))
            let stack = builder.intern(stack: Array(profile.stacks[sample.stack]))
            builder.add(stack: stack, labels: builder.intern(labels: profile.labelSets[Int(sample.labels)]), values: values)
        }
        let first = [wallType, cpuType, offCPU]
        builder.reorderSampleTypes(first + builder.sampleTypes.indices.filter { !first.contains($0) })
        builder.defaultSampleType = 0
        return builder.build()
    }
}
