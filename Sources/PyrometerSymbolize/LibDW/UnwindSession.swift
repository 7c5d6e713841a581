import CLibDW
#if canImport(Glibc)
import Glibc
#endif
import PyrometerIngest
import PyrometerModel

/// One worker's libdwfl state for unwinding: a `Dwfl` per process (kept while the process's maps keep their
/// generation), the binaries found so far, and the sample being unwound, which libdwfl's callbacks read.
/// Sendable only to move between the unwinder's idle list and a worker: one worker at a time uses it.
final class UnwindSession: @unchecked Sendable {
    /// Processes whose `Dwfl` a session keeps; the least recently used goes first (each holds its binaries open).
    static let keptProcesses = 16

    private let locator: FileLocator
    private let cachedRules: Bool
    /// Binaries found per mapping file (path and build-id); nil when none was found.
    private var binaries: [String: Binary?] = [:]
    private var processes: [UInt32: ProcessState] = [:]
    private var uses = 0

    // The sample being unwound.
    private var architecture = UnwindArchitecture.x86_64
    /// The perf register of each DWARF register, for `architecture`.
    private var registerOrder = UnwindArchitecture.x86_64.dwarfRegisters
    /// For samples of `slotsMask`: the position of each of `registerOrder`'s registers, then the pc's and the stack
    /// pointer's, among the recorded ones (-1: not recorded).
    private var registerSlots: [Int] = []
    private var slotsMask: UInt64 = 0
    private let registers = UnsafeMutablePointer<Dwarf_Word>.allocate(capacity: 33)
    private var registerCount = 0
    private var pc: UInt64 = 0
    private var stackStart: UInt64 = 0
    private var stack = UnsafeRawBufferPointer(start: nil, count: 0)
    private var process: ProcessState?
    private var maps: ProcessMaps?
    private var frames: [UInt64] = []
    private var firstFrame = 0
    private var problems: [String: Int] = [:]

    init(locator: FileLocator, cachedRules: Bool) {
        self.locator = locator
        self.cachedRules = cachedRules
    }

    deinit { registers.deallocate() }

    /// A binary to report: its path and the layout that turns a mapping's file offset into a virtual address.
    private struct Binary {
        var path: String
        var layout: ELFFileInfo
    }

    /// A process's `Dwfl`: its reported modules (by mapping start) and the mappings that could not be reported.
    private final class ProcessState {
        let dwfl: OpaquePointer
        let generation: Int
        var attached = false
        var lastUse = 0
        var unreportable: Set<UInt64> = []
        /// The call-frame rule of each pc looked up so far (UnwindRule.swift).
        var rules: [UInt64: UnwindRule] = [:]

        init?(generation: Int) {
            guard let dwfl = pyrometer_dwfl_begin_offline() else { return nil }
            self.dwfl = dwfl
            self.generation = generation
        }

        deinit { dwfl_end(dwfl) }
    }

    func unwind(_ batch: UnwindBatch, samples range: Range<Int>) -> UnwoundStacks {
        if architecture != batch.architecture {
            architecture = batch.architecture
            registerOrder = architecture.dwarfRegisters
            registerSlots = []
        }
        var result = UnwoundStacks()
        result.ends.reserveCapacity(range.count)
        frames.removeAll(keepingCapacity: true)
        problems.removeAll()
        for index in range {
            unwind(batch.samples[index], in: batch)
            result.ends.append(frames.count)
        }
        result.addresses = frames
        result.problems = problems
        process = nil
        maps = nil
        stack = UnsafeRawBufferPointer(start: nil, count: 0)
        return result
    }

    /// Appends one sample's frames to `frames`: at least its pc.
    private func unwind(_ sample: UserStackSample, in batch: UnwindBatch) {
        loadRegisters(sample, bytes: batch.bytes)
        stack = UnsafeRawBufferPointer(rebasing: batch.bytes[sample.stack])
        firstFrame = frames.count
        defer { if frames.count == firstFrame { frames.append(pc) } }
        guard let maps = batch.processes[sample.pid], let process = processState(sample.pid, maps: maps) else { return }
        self.maps = maps
        self.process = process
        guard report(pc) else { return }
        if cachedRules && architecture == .x86_64 {
            if unwindWithRules(process) { return }
            frames.removeSubrange(firstFrame...)
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        if !process.attached {
            // The architecture comes from the first reported module, so the attach waits for one.
            process.attached = dwfl_attach_state(process.dwfl, nil, pid_t(bitPattern: sample.pid),
                                                 UnwindSession.callbacks, context)
            guard process.attached else { return }
        }
        // An unwind ends with -1 both where the stack ends and where a frame has no rule (no CFI, no frame
        // pointer, a read outside the copy): the frames found until then stand, as in perf.
        _ = dwfl_getthread_frames(process.dwfl, pid_t(bitPattern: max(sample.tid, 1)), UnwindSession.frameCallback,
                                  context)
    }

    /// The sample's registers in DWARF order (absent ones as 0), its pc and its stack pointer.
    private func loadRegisters(_ sample: UserStackSample, bytes: UnsafeRawBufferPointer) {
        if sample.registerMask != slotsMask || registerSlots.count != registerOrder.count + 2 {
            slotsMask = sample.registerMask
            // Where each register is in a sample of this mask (its rank among the mask's bits), -1 if absent:
            // DWARF order, then the pc and the stack pointer.
            registerSlots = (registerOrder + [architecture.pcRegister, architecture.stackPointerRegister]).map { perf in
                let bit = UInt64(1) << perf
                return slotsMask & bit == 0 ? -1 : (slotsMask & (bit &- 1)).nonzeroBitCount
            }
        }
        // Locals, not the properties: each read of a class's property is an exclusivity check.
        let slots = registerSlots, count = slots.count - 2
        let base = sample.registers.lowerBound, available = sample.registers.count / 8
        func value(_ slot: Int) -> UInt64 {
            guard slot >= 0 && slot < available else { return 0 }
            return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: base + slot * 8, as: UInt64.self))
        }
        for index in 0 ..< count { registers[index] = value(slots[index]) }
        registerCount = count
        pc = value(slots[count])
        stackStart = value(slots[count + 1])
    }

    /// Unwinds the sample with the cached rules of its frames; false, leaving the frames found so far, where a
    /// frame needs more than they say (then libdwfl unwinds the sample, and may go on by the frame pointer).
    private func unwindWithRules(_ process: ProcessState) -> Bool {
        var sp = stackStart, bp = registers[6]
        var framePointerKnown = true
        var lookup = pc
        guard add(frame: pc) else { return true }
        while true {
            let rule = rule(at: lookup, in: process)
            switch rule.kind {
            case .other: return false
            case .outermost: return true
            case .simple: break
            }
            if rule.cfaFromFramePointer && !framePointerKnown { return false }
            let cfa = (rule.cfaFromFramePointer ? bp : sp) &+ UInt64(bitPattern: rule.cfaOffset)
            var returnAddress: Dwarf_Word = 0
            guard readStack(cfa &+ UInt64(bitPattern: rule.returnAddressOffset), into: &returnAddress),
                  returnAddress != 0 else { return false }
            switch rule.framePointer {
            case .unchanged: break
            case .atCFA(let offset):
                var saved: Dwarf_Word = 0
                guard readStack(cfa &+ UInt64(bitPattern: offset), into: &saved) else { return false }
                bp = saved
            case .lost: framePointerKnown = false
            }
            sp = cfa
            // A caller's frame is looked up, and reported, inside its call instruction.
            lookup = returnAddress &- 1
            guard add(frame: lookup) else { return true }
        }
    }

    private func rule(at address: UInt64, in process: ProcessState) -> UnwindRule {
        if let known = process.rules[address] { return known }
        var rule = UnwindRule.other
        if report(address), let module = dwfl_addrmodule(process.dwfl, address) {
            var bias: Dwarf_Addr = 0
            if let cfi = dwfl_module_eh_cfi(module, &bias) { rule = UnwindRule(cfi: cfi, address: address &- bias) }
        }
        process.rules[address] = rule
        return rule
    }

    private func processState(_ pid: UInt32, maps: ProcessMaps) -> ProcessState? {
        uses += 1
        if let state = processes[pid], state.generation == maps.generation {
            state.lastUse = uses
            return state
        }
        if processes[pid] == nil, processes.count >= Self.keptProcesses,
           let oldest = processes.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            processes[oldest] = nil
        }
        let state = ProcessState(generation: maps.generation)
        state?.lastUse = uses
        processes[pid] = state
        return state
    }

    /// Makes sure the module holding `address` is reported to the process's `Dwfl`: false when no binary maps it.
    fileprivate func report(_ address: UInt64) -> Bool {
        guard let process, let maps else { return false }
        if dwfl_addrmodule(process.dwfl, address) != nil { return true }
        guard let mapping = maps.mapping(at: address), !process.unreportable.contains(mapping.start) else { return false }
        // The load bias, runtime address minus virtual address, from the address itself: the page a mapping starts
        // on can hold the end of the segment before (rustc's binaries), whose addresses are biased differently.
        let fileOffset = address &- mapping.start &+ mapping.fileOffset
        guard let binary = binary(for: mapping),
              let virtualAddress = binary.layout.virtualAddress(fileOffset: fileOffset) else {
            process.unreportable.insert(mapping.start)
            return false
        }
        // With add_p_vaddr, libdwfl takes the bias itself.
        let bias = address &- virtualAddress
        let name = mapping.path.split(separator: "/").last.map(String.init) ?? mapping.path
        guard dwfl_report_elf(process.dwfl, name, binary.path, -1, bias, true) != nil,
              dwfl_addrmodule(process.dwfl, address) != nil else {
            process.unreportable.insert(mapping.start)
            return false
        }
        return true
    }

    /// The binary of a file mapping, found as the symbolizer finds it (path, --binary-path, build-id directories);
    /// nil for anonymous and JIT memory and perf's pseudo-files, which have no CFI to read.
    private func binary(for mapping: ProcessMapping) -> Binary? {
        let path = mapping.path
        guard path.hasPrefix("/"), !JitMap.isJitMap(path) else { return nil }
        let key = path + "\0" + mapping.buildID
        if let known = binaries[key] { return known }
        var found: Binary?
        if case .success(let located) = locator.locate(path: path, buildID: mapping.buildID) {
            // The binary holds `.eh_frame`; a separate debug file only when there is no binary.
            let file = located.binary ?? located.symbolFile
            found = Binary(path: file, layout: located.layout)
        } else {
            problems["binary not found for \(path) (try --binary-path)", default: 0] += 1
        }
        binaries[key] = found
        return found
    }

    // MARK: - libdwfl callbacks

    fileprivate func readStack(_ address: UInt64, into result: UnsafeMutablePointer<Dwarf_Word>) -> Bool {
        guard address >= stackStart else { return false }
        let offset = address - stackStart
        guard offset <= UInt64(stack.count), UInt64(stack.count) - offset >= 8 else { return false }
        result.pointee = UInt64(littleEndian: stack.loadUnaligned(fromByteOffset: Int(offset), as: UInt64.self))
        return true
    }

    fileprivate func setInitialRegisters(_ thread: OpaquePointer) -> Bool {
        guard dwfl_thread_state_registers(thread, 0, UInt32(registerCount), registers) else { return false }
        if architecture == .aarch64 { dwfl_thread_state_register_pc(thread, pc) }
        return true
    }

    /// Records a frame; false once the sample has its most frames.
    fileprivate func add(frame: UInt64) -> Bool {
        frames.append(frame)
        return frames.count - firstFrame < DwarfUnwinder.maxFrames
    }

    fileprivate static func session(_ pointer: UnsafeMutableRawPointer?) -> UnwindSession {
        Unmanaged<UnwindSession>.fromOpaque(pointer!).takeUnretainedValue()
    }

    /// The thread callbacks (libdwfl keeps the pointer for the life of each `Dwfl`): one thread, the sample's.
    nonisolated(unsafe) static let callbacks: UnsafeMutablePointer<Dwfl_Thread_Callbacks> = {
        let callbacks = UnsafeMutablePointer<Dwfl_Thread_Callbacks>.allocate(capacity: 1)
        callbacks.initialize(to: Dwfl_Thread_Callbacks(
            next_thread: { _, _, _ in 0 },
            get_thread: { _, _, context, threadContext in
                threadContext?.pointee = context
                return true
            },
            memory_read: { _, address, result, context in
                guard let result else { return false }
                return session(context).readStack(address, into: result)
            },
            set_initial_registers: { thread, context in
                guard let thread else { return false }
                return session(context).setInitialRegisters(thread)
            },
            detach: nil,
            thread_detach: nil))
        return callbacks
    }()

    /// Each frame: its module reported before libdwfl asks whether it is a signal frame, then its pc (a caller's
    /// return address minus one, inside the call), as perf's `frame_callback`.
    static let frameCallback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { state, context in
        guard let state else { return Int32(DWARF_CB_ABORT) }
        let session = session(context)
        var pc: Dwarf_Addr = 0
        guard dwfl_frame_pc(state, &pc, nil) else { return Int32(DWARF_CB_ABORT) }
        _ = session.report(pc)
        var activation = false
        guard dwfl_frame_pc(state, &pc, &activation) else { return Int32(DWARF_CB_ABORT) }
        return session.add(frame: activation ? pc : pc &- 1) ? Int32(DWARF_CB_OK) : Int32(DWARF_CB_ABORT)
    }
}
