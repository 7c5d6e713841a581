import PyrometerModel

/// Unwinds the user stacks of `perf record --call-graph dwarf` samples: each sample carries the user registers
/// (`PERF_SAMPLE_REGS_USER`) and a copy of the top of the user stack (`PERF_SAMPLE_STACK_USER`), and the frames
/// are found from them with the binaries' call-frame information, as `perf script` does.
///
/// The reader of perf.data hands samples over in batches, each with the address spaces of its processes at the
/// time of the batch's samples (a batch ends before any of its processes maps or unmaps a file). The
/// implementation lives beside the symbolizer, with libdw (`PyrometerSymbolize.DwarfUnwinder`); importing without
/// one keeps the sampled function and the kernel frames only, with a warning.
public protocol UserStackUnwinder: Sendable {
    /// The user frames of each sample of `batch`, innermost first: the sampled pc, then each caller's return
    /// address minus one (inside the call instruction, as perf reports them).
    func unwind(_ batch: UnwindBatch) -> UnwoundStacks
}

/// The processor whose registers a recording holds; it decides the register layout of the samples.
public enum UnwindArchitecture: Sendable, Equatable {
    case x86_64
    case aarch64

    /// perf's name in the `arch` header feature (`uname -m`); nil for an architecture Pyrometer cannot unwind.
    public init?(perfArch: String) {
        switch perfArch {
        case "x86_64", "amd64": self = .x86_64
        case "aarch64", "arm64": self = .aarch64
        default: return nil
        }
    }

    /// The perf register (`perf_event_x86_regs`, `perf_event_arm64_regs`) of each DWARF register number, in DWARF
    /// order, and the perf registers of the stack pointer and the pc.
    public var dwarfRegisters: [Int] {
        switch self {
        // rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip
        case .x86_64: [0, 3, 2, 1, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23, 8]
        // x0-x30, sp (the pc is set on its own)
        case .aarch64: Array(0 ... 31)
        }
    }

    public var stackPointerRegister: Int { self == .x86_64 ? 7 : 31 }
    public var pcRegister: Int { self == .x86_64 ? 8 : 32 }
}

/// One sample's user registers and stack copy, as byte ranges of the recording.
public struct UserStackSample: Sendable {
    public var pid: UInt32
    public var tid: UInt32
    /// The recorded registers, one little-endian u64 per bit of `registerMask`, in bit order.
    public var registers: Range<Int>
    public var registerMask: UInt64
    /// The copy of the stack from the sampled stack pointer up (its valid part: perf's `dyn_size`).
    public var stack: Range<Int>
}

/// One mapping of a process's address space, as perf recorded it.
public struct ProcessMapping: Sendable {
    public var start: UInt64
    public var limit: UInt64
    public var fileOffset: UInt64
    public var path: String
    public var buildID: String
}

/// The mappings of one process (sorted by start) at the time of a batch. The generation changes whenever the
/// process's mappings do, so an unwinder may keep what it built for a process while the generation stays.
public struct ProcessMaps: Sendable {
    public var generation: Int
    public var mappings: [ProcessMapping]

    /// The mapping holding `address`.
    public func mapping(at address: UInt64) -> ProcessMapping? {
        let after = mappings.partitionPoint { $0.start <= address }
        guard after > 0, address < mappings[after - 1].limit else { return nil }
        return mappings[after - 1]
    }
}

/// Samples to unwind, with what they need: the recording's bytes and the processes' maps.
public struct UnwindBatch: @unchecked Sendable {  // `bytes` is read-only while the batch is unwound
    public var bytes: UnsafeRawBufferPointer
    public var architecture: UnwindArchitecture
    public var samples: [UserStackSample]
    public var processes: [UInt32: ProcessMaps]
}

/// The frames of each sample of a batch: sample `i`'s are `addresses[ends[i - 1] ..< ends[i]]` (from 0 for the
/// first).
public struct UnwoundStacks: Sendable {
    public var addresses: [UInt64] = []
    public var ends: [Int] = []
    /// Samples whose unwinding stopped early for a reason a user can act on (a binary not found), by reason.
    public var problems: [String: Int] = [:]

    public init() {}

    public func frames(of sample: Int) -> ArraySlice<UInt64> {
        addresses[(sample == 0 ? 0 : ends[sample - 1]) ..< ends[sample]]
    }

    public mutating func append(_ other: UnwoundStacks) {
        let base = addresses.count
        addresses.append(contentsOf: other.addresses)
        ends.append(contentsOf: other.ends.lazy.map { $0 + base })
        problems.merge(other.problems, uniquingKeysWith: +)
    }
}
