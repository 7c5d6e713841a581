import PyrometerModel

/// `--call-graph dwarf` samples on their way through the unwinder: read in time order like every record, kept
/// (their kernel frames interned, their registers and stack copy as byte ranges of the mapped file) until a batch
/// is full or one of their processes is about to change its maps, then unwound together, in parallel, by
/// `ImportOptions.unwinder`. Memory stays bounded by the batch, not by the recording.
struct PendingUnwinds {
    /// What a waiting sample adds once its user frames are known.
    struct Waiting {
        var types: (value: Int, count: Int?)
        var labels: LabelSetID
        var period: UInt64
        /// The address an allocation probe fired at, whose frame goes (`dropProbedFunction`).
        var probedAddress: UInt64?
        /// Its part in wall-clock time.
        var wall: UnwoundWallClock
        /// Its kernel frames in `kernelFrames`.
        var kernel: Range<Int>
    }

    /// Samples per batch: enough to keep every core busy, few enough to keep memory small.
    static let batchSize = 4096
    static let firstBatchSize = 256

    var samples: [UserStackSample] = []
    var waiting: [Waiting] = []
    var kernelFrames: [LocationID] = []
    /// The processes of the waiting samples.
    var processes: Set<UInt32> = []
    /// Each process's maps as last handed to the unwinder, reused while their generation holds.
    var snapshots: [UInt32: ProcessMaps] = [:]

    var unwound = 0
    /// Samples with a stack copy that were not unwound: no unwinder, or one that cannot read this processor's
    /// registers.
    var skipped = 0
    var unsupportedArchitecture: String?
    /// Samples whose stack copy claims more valid bytes (`dyn_size`) than it holds.
    var overstatedCopies = 0
    /// Samples whose registers lack the stack pointer or the pc.
    var missingRegisters = 0
    /// The unwinder's reasons for stopping early, by reason.
    var problems: [String: Int] = [:]

    func diagnostics(file: String) -> [Diagnostic] {
        var result: [Diagnostic] = []
        func warn(_ kind: String) {
            result.append(Diagnostic(kind: kind, count: 0, firstFile: file, firstLine: nil, example: ""))
        }
        if skipped > 0 {
            let reason = unsupportedArchitecture.map { "recorded on \($0), whose registers Pyrometer cannot unwind yet" }
                ?? "no unwinder was given to the importer"
            warn("recorded with --call-graph dwarf, but \(reason): \(skipped) samples show the function sampled in "
                 + "user mode and kernel frames only (self time is right, callers are missing); record with "
                 + "--call-graph fp (frame pointers) or lbr")
        }
        if overstatedCopies > 0 {
            warn("\(overstatedCopies) samples claim more valid stack (dyn_size) than their copy holds; unwound "
                 + "within the copy")
        }
        if missingRegisters > 0 {
            warn("\(missingRegisters) samples recorded without the stack pointer or pc among their user registers "
                 + "(sample_regs_user); their user stacks are not unwound")
        }
        for (problem, count) in problems.sorted(by: { $0.key < $1.key }) {
            warn("\(count) of \(unwound) unwound samples stopped early: \(problem)")
        }
        return result
    }
}

/// A waiting sample's part in wall-clock time: on-CPU time, or the switch-out that opened an off-CPU interval.
struct UnwoundWallClock {
    var onCPU = false
    var switchNumber: Int?
    /// The task that switched out (`prev_pid`; the sample's own thread in practice).
    var switchedOut: UInt32 = 0
    var offCPULabels: LabelSetID = 0
    /// A `sched_stat_runtime` update's number (PerfDataReader+Runtime.swift), and its thread.
    var runtimeNumber: Int?
    var tid: UInt32 = 0
}

extension PerfDataReader {
    /// Reads a sample's `regs_user` and `stack_user` parts: nil when there is nothing to unwind (no user
    /// registers, as for a kernel thread).
    mutating func userStack(_ body: inout ByteCursor, attr: PerfEventAttr, pid: UInt32, tid: UInt32)
        throws(ProfileError) -> UserStackSample? {
        let abi = try body.u64()
        var registers = 0 ..< 0
        if abi != 0 {
            let count = attr.sampleRegsUser.nonzeroBitCount
            let start = body.position
            try body.skip(count * 8, "\(count) user registers (sample_regs_user)")
            registers = start ..< start + count * 8
        }
        guard attr.sampleType.contains(.stackUser) else { return nil }
        let size = try body.u64()
        var stack = 0 ..< 0
        if size > 0 {
            try body.need(size, entriesOf: 1, "user stack copy")
            let start = body.position
            try body.skip(Int(size))
            let valid = try body.u64()
            if valid > size { unwinding.overstatedCopies += 1 }
            stack = start ..< start + Int(min(valid, size))
        }
        guard abi != 0 else { return nil }
        guard let architecture = unwindArchitecture() else {
            unwinding.unsupportedArchitecture = self.architecture
            unwinding.skipped += 1
            return nil
        }
        let needed = UInt64(1) << architecture.pcRegister | UInt64(1) << architecture.stackPointerRegister
        guard attr.sampleRegsUser & needed == needed else {
            unwinding.missingRegisters += 1
            return nil
        }
        return UserStackSample(pid: pid, tid: tid, registers: registers, registerMask: attr.sampleRegsUser,
                               stack: stack)
    }

    /// The recording's processor; x86-64 when the file does not say (perf writes the `arch` feature in files).
    func unwindArchitecture() -> UnwindArchitecture? {
        UnwindArchitecture(perfArch: architecture ?? "x86_64")
    }

    /// Keeps a sample with the kernel frames already in `stack` until its batch is unwound.
    mutating func enqueueUnwinding(_ sample: UserStackSample, types: (value: Int, count: Int?), labels: LabelSetID,
                                   period: UInt64, probedAddress: UInt64?, wall: UnwoundWallClock) {
        let start = unwinding.kernelFrames.count
        unwinding.kernelFrames.append(contentsOf: stack)
        unwinding.waiting.append(PendingUnwinds.Waiting(types: types, labels: labels, period: period,
                                                         probedAddress: probedAddress, wall: wall, kernel: start ..< unwinding.kernelFrames.count))
        unwinding.samples.append(sample)
        unwinding.processes.insert(sample.pid)
        // The first batch is small: its frames tell the symbolizer early which binaries to open (ModulePrefetcher).
        if unwinding.samples.count >= (unwinding.unwound == 0 ? PendingUnwinds.firstBatchSize : PendingUnwinds.batchSize) {
            finishUnwinding()
        }
    }

    /// Unwinds the waiting samples with their processes' current maps and adds them to the profile.
    mutating func finishUnwinding() {
        guard !unwinding.samples.isEmpty, let unwinder = options.unwinder,
              let architecture = unwindArchitecture() else { return }
        var processes: [UInt32: ProcessMaps] = [:]
        for pid in unwinding.processes { processes[pid] = snapshot(of: pid) }
        let result = unwinder.unwind(UnwindBatch(bytes: bytes, architecture: architecture,
                                                 samples: unwinding.samples, processes: processes))
        for (index, waiting) in unwinding.waiting.enumerated() {
            stack.removeAll(keepingCapacity: true)
            stack.append(contentsOf: unwinding.kernelFrames[waiting.kernel])
            let pid = unwinding.samples[index].pid
            let owner = frameOwner(pid: pid)
            for address in result.frames(of: index) { frame(address, kernel: false, owner: owner, pid: pid) }
            dropProbedFunction(at: waiting.probedAddress)
            let id = add(stack: stack, types: waiting.types, labels: waiting.labels, period: waiting.period)
            if waiting.wall.onCPU { addOnCPU(stack: id, labels: waiting.labels, period: waiting.period) }
            if let number = waiting.wall.switchNumber {
                unwoundSwitch(number, tid: waiting.wall.switchedOut, stack: id, labels: waiting.wall.offCPULabels)
            }
            if let number = waiting.wall.runtimeNumber {
                unwoundRuntime(number, tid: waiting.wall.tid,
                               stack: userStackID(kernelFrames: waiting.kernel.count), labels: waiting.labels)
            }
        }
        unwinding.problems.merge(result.problems, uniquingKeysWith: +)
        unwinding.unwound += unwinding.samples.count
        unwinding.samples.removeAll(keepingCapacity: true)
        unwinding.waiting.removeAll(keepingCapacity: true)
        unwinding.kernelFrames.removeAll(keepingCapacity: true)
        unwinding.processes.removeAll(keepingCapacity: true)
    }

    /// A process's maps as the unwinder sees them.
    private mutating func snapshot(of pid: UInt32) -> ProcessMaps {
        let generation = mapGenerations[pid] ?? 0
        if let cached = unwinding.snapshots[pid], cached.generation == generation { return cached }
        let mappings = (maps[pid] ?? []).map { entry in
            let mapping = mappingTable[entry.mapping]
            return ProcessMapping(start: entry.start, limit: entry.limit, fileOffset: mapping.offset,
                                  path: mapping.path,
                                  buildID: mapping.buildID.isEmpty ? buildIDs[mapping.path] ?? "" : mapping.buildID)
        }
        let snapshot = ProcessMaps(generation: generation, mappings: mappings)
        unwinding.snapshots[pid] = snapshot
        return snapshot
    }
}
