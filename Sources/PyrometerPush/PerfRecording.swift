import Foundation

/// What the agent records each round: processes by id or by name, or the whole host.
public enum RecordingTarget: Sendable, Equatable {
    case processes(ids: [Int32], names: [String])
    case host
}

/// The `perf record` command of one round.
public struct PerfRecording: Sendable {
    public var target: RecordingTarget
    public var seconds: Int
    /// Samples per second (perf's -F); 99 keeps clear of timer-aligned work, as perf's own examples do.
    public var frequency = 99
    /// `--call-graph dwarf` when frame pointers are missing (larger recordings, slower reading).
    public var dwarf = false

    public init(target: RecordingTarget, seconds: Int, frequency: Int = 99, dwarf: Bool = false) {
        (self.target, self.seconds, self.frequency, self.dwarf) = (target, seconds, frequency, dwarf)
    }

    /// The process ids of `target` now: the given ids that still run, and the processes whose command name
    /// (`/proc/PID/comm`) or program file name is one of the names. Empty for the host.
    public func processIDs(procRoot: String = "/proc") -> [Int32] {
        guard case .processes(let ids, let names) = target else { return [] }
        var found = Set(ids.filter { kill($0, 0) == 0 || errno == EPERM })
        if !names.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) {
            for entry in entries {
                guard let pid = Int32(entry), pid != getpid() else { continue }
                if names.contains(where: { Self.processName(pid, procRoot: procRoot, is: $0) }) { found.insert(pid) }
            }
        }
        return found.sorted()
    }

    static func processName(_ pid: Int32, procRoot: String, is name: String) -> Bool {
        if let comm = try? String(contentsOfFile: "\(procRoot)/\(pid)/comm", encoding: .utf8),
           comm.trimmingCharacters(in: .newlines) == name {
            return true
        }
        // comm is cut at 15 bytes; the program's path is not.
        guard let cmdline = FileManager.default.contents(atPath: "\(procRoot)/\(pid)/cmdline"),
              let first = cmdline.split(separator: 0).first else { return false }
        return String(decoding: first, as: UTF8.self).split(separator: "/").last.map(String.init) == name
    }

    /// `perf record` arguments writing `output`, for `pids` (ignored for the host).
    public func arguments(output: String, pids: [Int32]) -> [String] {
        var arguments = ["perf", "record", "-q", "-F", String(frequency), "-o", output]
        arguments += dwarf ? ["--call-graph", "dwarf"] : ["-g"]
        switch target {
        case .host: arguments.append("-a")
        case .processes: arguments += ["-p", pids.map(String.init).joined(separator: ",")]
        }
        // No workload to time it: perf 6.1 given `-p PID -- sleep N` records on after the sleep exits (seen
        // here: the sleep a zombie, perf waiting for the target). The agent stops it with SIGINT instead, after
        // which perf writes its file whole.
        return arguments
    }

    /// How long after SIGINT perf may take to write its file before it is killed: a recording must never hang the
    /// agent.
    public static let stopGrace = 30.0
}

/// When rounds start: every `interval` seconds, the first after a random `splay` so that a fleet started together
/// does not record and push in step.
public struct AgentSchedule: Sendable {
    public var interval: Double
    public var splay: Double

    public init(interval: Double, splay: Double) {
        (self.interval, self.splay) = (interval, splay)
    }

    /// The wait after a round that started at `started` and ended at `now`: the rest of the interval, never less
    /// than zero (a round longer than the interval starts the next at once).
    public func wait(roundStarted started: Double, now: Double) -> Double {
        max(0, started + interval - now)
    }
}
