/// Off-CPU time's `off_cpu_state` label (`LabelKey.offCPUState`): the readers write it from `sched_switch`, and
/// attribution and the wall-clock breakdown read it back.

/// Why a thread left the CPU, from `sched_switch`'s `prev_state`: a label on its off-CPU time.
public enum ThreadState: Hashable, Sendable {
    /// Still runnable (`R`, `R+`): another task took the CPU.
    case preempted
    /// Waiting for an event (`S`): a sleep, a lock, a socket.
    case sleeping
    /// Uninterruptible (`D`): disk I/O, mostly.
    case disk
    /// Anything else perf prints (`T` stopped, `t` traced, `X` dead, `Z`, `P` parked, `I` idle).
    case other(String)

    /// The kernel's `prev_state` value: a bit per state in the low byte (`S` 1, `D` 2, `T` 4, ... `I` 0x80), none
    /// for a runnable task, and `TASK_REPORT_MAX` (0x100) beside them for one preempted (perf's `R+`).
    public init(bits: UInt64) {
        switch bits & 0xFF {
        case 0: self = .preempted
        case 1: self = .sleeping
        case 2: self = .disk
        default:
            // perf's letters for the report bits, in bit order.
            let letters = Array("SDTtXZPI")
            let bit = (bits & 0xFF).trailingZeroBitCount
            self = bit < letters.count ? ThreadState(letter: String(letters[bit])) : .other(String(bits, radix: 16))
        }
    }

    /// perf script's letters: `R`, `R+`, `S`, `D`, `T`, ...
    public init(letter: some StringProtocol) {
        switch letter.first {
        case "R": self = .preempted
        case "S": self = .sleeping
        case "D": self = .disk
        default: self = .other(String(letter))
        }
    }

    /// A task that is exiting (`X` dead, `Z` zombie) never comes back: no time off the CPU is charged to it.
    public var isExit: Bool { self == .other("X") || self == .other("Z") }

    /// The label's value.
    public var label: String {
        switch self {
        case .preempted: "preempted"
        case .sleeping: "sleeping"
        case .disk: "disk"
        case .other(let letter): letter
        }
    }

    /// The state an `off_cpu_state` label's value names (`label`'s inverse).
    public init(label: String) {
        switch label {
        case "preempted": self = .preempted
        case "sleeping": self = .sleeping
        case "disk": self = .disk
        default: self = .other(label)
        }
    }
}
