#if canImport(Glibc)
import Glibc
#endif
import PyrometerModel

/// The signal that interrupted a perf recording (0: none), and perf's process while it records: what the signal
/// handler of `PerfAllocationRecorder.interruptible` may touch.
nonisolated(unsafe) private var interruption: Int32 = 0
nonisolated(unsafe) private var recorder: pid_t = 0

/// `record --alloc --tool perf`: uprobes on libc's allocator entry points, each call a sample weighed by its size
/// and unwound from a copy of its stack (`--call-graph dwarf`: a frame-pointer chain taken at the allocator's first
/// instruction skips its caller, the very function to charge).
///
/// Every call is recorded, so the counts are exact unless perf loses events: a ring buffer that fills faster than
/// perf writes it drops samples. Measured here (2 CPUs, Debian's perf 6.1, 280,000 malloc calls from a stack 13
/// frames deep in 1.3 s): an 8 KiB stack copy with 64 MiB buffers kept 7%; 4 KiB with 256 MiB, 22%; 2 KiB, 84%;
/// 1 KiB with 256 MiB kept all. A deeper copy names more callers, a shallower one keeps up with more calls, so the
/// recorder tries deep copies first and runs the program again with a shallower one when perf lost events.
struct PerfAllocationRecorder {
    /// The start of every recording's probe group; the rest is the recording process's id.
    static let groupPrefix = "pyrometer_alloc_"

    /// This process's probe group, removed after its recording: each run has its own, so that two recordings on
    /// one host (or a test beside a user's run) do not remove each other's probes. perf wants event names unique
    /// across groups too, so they carry the same id.
    static let run = String(getpid())
    static let group = groupPrefix + run

    struct Attempt: Equatable {
        /// Bytes of stack copied per call (`--call-graph dwarf,N`).
        var stackBytes: Int
        /// Ring-buffer pages per CPU (`-m N`).
        var pages: Int
    }

    /// The settings tried, deep stacks first; buffers within about 1 GiB over all CPUs, perf's pages a power of two.
    static func attempts(cpus: Int) -> [Attempt] {
        let budget = (1 << 30) / 4096 / max(1, cpus)
        var pages = 1
        while pages * 2 <= min(budget, 65536) { pages *= 2 }
        return [8192, 2048, 1024].map { Attempt(stackBytes: $0, pages: max(pages, 64)) }
    }

    /// The probe definitions (`perf probe` syntax) and the filter of each event. Arguments are read from the
    /// registers of the calling convention. `realloc(NULL, n)` calls `malloc` inside glibc, so it is counted there.
    static func probes() -> [(event: String, definition: String, filter: String?)]? {
        guard let (first, second) = argumentRegisters else { return nil }
        // glibc's own names for the entry points: `calloc` would also match libc's PLT stub `calloc@plt`, and a
        // call through it would be counted twice. Event names are unique across groups in perf, hence the prefix
        // and the run's id. The readers recognize the events by their fields, not by these names (AllocationProbe).
        let (malloc, calloc, realloc) = ("pyrometer_malloc_" + run, "pyrometer_calloc_" + run,
                                         "pyrometer_realloc_" + run)
        return [
            (malloc, "\(group):\(malloc)=__libc_malloc size=\(first):u64", nil),
            (calloc, "\(group):\(calloc)=__libc_calloc nmemb=\(first):u64 size=\(second):u64", nil),
            (realloc, "\(group):\(realloc)=__libc_realloc ptr=\(first):u64 size=\(second):u64", "ptr != 0"),
        ]
    }

    /// The registers of a call's first two arguments, in perf probe's names.
    static var argumentRegisters: (String, String)? {
        #if arch(x86_64)
        return ("%di", "%si")
        #elseif arch(arm64)
        return ("%x0", "%x1")
        #else
        return nil
        #endif
    }

    /// The C library the program will run with: the dynamic loader's default location for this machine.
    static func libc() -> String? {
        let candidates = ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/aarch64-linux-gnu/libc.so.6",
                          "/usr/lib64/libc.so.6", "/lib64/libc.so.6", "/usr/lib/libc.so.6"]
        return candidates.first { access($0, R_OK) == 0 }
    }

    /// Adds the probes; the returned events are what `perf record` takes (`-e group:name [--filter F]`).
    static func addProbes() throws -> [String] {
        guard let probes = probes() else { throw CLIError("perf allocation probes: this processor's calling convention is not known; use --tool heaptrack or dhat") }
        guard let libc = libc() else { throw CLIError("perf allocation probes: libc.so.6 not found in the usual places") }
        removeProbes()
        removeStaleProbes()
        var events: [String] = []
        for probe in probes {
            let status = try run(["perf", "probe", "-q", "-x", libc, probe.definition])
            guard status == 0 else {
                removeProbes()
                throw CLIError("""
                    perf probe could not put a probe on \(probe.event) in \(libc) (status \(status)): uprobes need \
                    root and a kernel with CONFIG_UPROBE_EVENTS; use --tool heaptrack or dhat
                    """)
            }
            events += ["-e", "\(group):\(probe.event)"] + (probe.filter.map { ["--filter", $0] } ?? [])
        }
        return events
    }

    /// Removes this run's probes, and only them.
    static func removeProbes() {
        _ = try? run(["perf", "probe", "-q", "-d", "\(group):*"], quiet: true)
    }

    /// The groups of `perf probe -l`'s lines whose recording process is gone: a run killed before it could remove
    /// its probes (SIGKILL, a crash). Groups of live processes, another recording's, are kept.
    static func staleGroups(_ listing: String, isRunning: (pid_t) -> Bool = { kill($0, 0) == 0 || errno == EPERM })
        -> [String] {
        var groups: [String] = []
        for line in listing.split(separator: "\n") {
            guard let name = line.split(separator: " ").first, let colon = name.firstIndex(of: ":") else { continue }
            let group = String(name[..<colon])
            guard group.hasPrefix(groupPrefix), let pid = pid_t(group.dropFirst(groupPrefix.count)), pid > 0,
                  !groups.contains(group), !isRunning(pid) else { continue }
            groups.append(group)
        }
        return groups
    }

    /// Removes the probes left by recordings whose process is gone (`staleGroups`).
    static func removeStaleProbes() {
        guard let listing = probeListing() else { return }
        for stale in staleGroups(listing) {
            _ = try? run(["perf", "probe", "-q", "-d", "\(stale):*"], quiet: true)
        }
    }

    /// `perf probe -l`'s listing of every group's probes; nil when perf could not be run.
    private static func probeListing() -> String? {
        guard let pipe = popen("perf probe -l 2>/dev/null", "r") else { return nil }
        var text = "", buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), pipe) != nil { text += String(cString: buffer) }
        return pclose(pipe) == 0 ? text : nil
    }

    /// `perf record` of the program with one attempt's settings; the program's exit status (perf passes it on).
    /// Throws when the recording was interrupted (`interruptible`).
    static func record(_ program: [String], events: [String], attempt: Attempt, to path: String) throws -> Int32 {
        let status = try runForwardingSignals(["perf", "record", "-q"] + events + [
            "--call-graph", "dwarf,\(attempt.stackBytes)", "-m", String(attempt.pages), "-o", path, "--"] + program)
        guard interruption == 0 else { throw CLIError("interrupted by signal \(interruption)") }
        return status
    }

    /// Runs `body` (adding the probes, recording) and removes this run's probes after it, also when SIGINT, SIGTERM
    /// or SIGHUP interrupts it: the signal is passed on to perf, which stops the program and ends, and once the
    /// probes are gone this process ends by the same signal. (SIGKILL leaves them: the next recording removes
    /// them, `removeStaleProbes`.)
    /// The signals are unblocked meanwhile (a parent's threads may block them, and perf inherits the mask).
    static func interruptible<T>(_ body: () throws -> T) throws -> T {
        let signals = [SIGINT, SIGTERM, SIGHUP]
        var handled = sigset_t(), mask = sigset_t()
        sigemptyset(&handled)
        for number in signals { sigaddset(&handled, number) }
        let previous = signals.map { number in
            signal(number) { caught in
                interruption = caught
                if recorder > 0 { kill(recorder, caught) }
            }
        }
        pthread_sigmask(SIG_UNBLOCK, &handled, &mask)
        defer {
            removeProbes()
            for (number, handler) in zip(signals, previous) { signal(number, handler) }
            if interruption != 0 { raise(interruption) }
            pthread_sigmask(SIG_SETMASK, &mask, nil)
        }
        return try body()
    }

    /// `ChildProcess.run`, with perf's process id kept where the signal handler of `interruptible` finds it.
    private static func runForwardingSignals(_ arguments: [String]) throws -> Int32 {
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], nil, nil, &argv, environ)
        guard spawned == 0 else { throw CLIError("cannot run \(arguments[0]): \(String(cString: strerror(spawned)))") }
        recorder = pid
        defer { recorder = 0 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else {
                throw CLIError("cannot wait for \(arguments[0]): \(String(cString: strerror(errno)))")
            }
        }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static func run(_ arguments: [String], quiet: Bool = false) throws -> Int32 {
        let result = quiet ? ChildProcess.runQuietly(arguments) : ChildProcess.run(arguments)
        switch result {
        case .success(let status): return status
        case .failure(let failure): throw CLIError("cannot run \(arguments[0]): \(failure.description)")
        }
    }
}
