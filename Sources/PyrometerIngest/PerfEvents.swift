import PyrometerModel

/// The one rule both perf readers (perf.data and `perf script` text) name events and type their values by, so
/// that a recording gives the same sample types whichever path it took.
enum PerfEvents {
    /// The event of a name as perf prints it: modifiers dropped (`cpu-clock:u` → `cpu-clock`, `cycles:ppp` →
    /// `cycles`), a tracepoint's or probe's `subsystem:name` kept (`sched:sched_switch`, `probe_libc:malloc`).
    static func name(_ printed: some StringProtocol) -> String {
        var printed = Substring(printed)
        while printed.last == ":" { printed = printed.dropLast() }
        // A named event with terms (`cpu-clock/freq=999/`) is that event; a PMU's (`cpu/event=0x3c/`) keeps them.
        if let slash = printed.firstIndex(of: "/"), printed.hasSuffix("/") || printed.contains("/:"),
           namedEvents.contains(String(printed[..<slash])) {
            let close = printed[printed.index(after: slash)...].firstIndex(of: "/") ?? printed.index(before: printed.endIndex)
            printed = Substring(String(printed[..<slash]) + String(printed[printed.index(after: close)...]))
        }
        guard let colon = printed.firstIndex(of: ":") else { return String(printed) }
        let rest = printed[printed.index(after: colon)...]
        let end = rest.firstIndex(of: ":") ?? rest.endIndex
        let word = rest[..<end]
        if word.isEmpty || isModifiers(word) { return String(printed[..<colon]) }
        return String(printed[..<end])
    }

    /// perf's names of its hardware and software events, which `/terms/` may follow.
    static let namedEvents: Set<String> = [
        "cycles", "cpu-cycles", "instructions", "cache-references", "cache-misses", "branches", "branch-instructions",
        "branch-misses", "bus-cycles", "ref-cycles", "cpu-clock", "task-clock", "page-faults", "faults",
        "context-switches", "cs", "cpu-migrations", "migrations", "minor-faults", "major-faults",
        "alignment-faults", "emulation-faults", "dummy",
    ]

    /// perf's event modifiers (`perf list --help`): user, kernel, hypervisor, idle, guest, host, precise levels,
    /// sample read, pinned, weak group, exclusive.
    static func isModifiers(_ word: some StringProtocol) -> Bool {
        word.allSatisfy { "ukhIGHpPSDWe".contains($0) }
    }

    /// Whether the event is a tracepoint or probe (`subsystem:name`), whose text after the name is its fields, never
    /// a stack.
    static func isTracepoint(_ name: String) -> Bool { name.contains(":") }

    /// An event's values: periods of a clock event are nanoseconds (`cpu-clock`, `task-clock`); any other period,
    /// and every unweighted event, counts.
    static func valueType(of name: String, weighted: Bool) -> ValueType {
        ValueType(type: name, unit: weighted && name.hasSuffix("clock") ? "nanoseconds" : "count")
    }

    /// The warning for a recording in which perf lost events: its counts are lower bounds.
    static func lostWarning(_ count: UInt64) -> String {
        """
        perf lost \(count) events while recording (its LOST records): every count is a lower bound, off-CPU \
        intervals may be cut short or run long, and the allocation and wall-time gates will not decide on it; \
        record again with a larger buffer (perf record -m 65536) or a smaller stack copy (--call-graph dwarf,1024)
        """
    }
}
