/// Names that several stages must agree on, defined once.

/// The label keys perf's readers give each sample, and folding and per-thread breakdowns read.
public enum LabelKey {
    /// The thread's command name (`comm`).
    public static let command = "comm"
    public static let process = "pid"
    public static let thread = "tid"
    /// Off-CPU time's label: why the thread left the CPU (`preempted`, `sleeping`, `disk`, ...). Samples that
    /// have it are time off the CPU; attribution charges them to the program's innermost frame. Named apart from
    /// any label a profiler or program would set (a pprof `state` label is not off-CPU time).
    public static let offCPUState = "off_cpu_state"
}

extension ValueType {
    /// The count of samples that goes beside a weighted event's value (`cpu-clock` → `cpu-clock samples`), so that
    /// a profile keeps both the summed periods and how many samples made them.
    public static func sampleCount(of event: String) -> ValueType {
        ValueType(type: event + sampleCountSuffix, unit: "count")
    }

    /// The sample count when a recording has one event only.
    public static let samples = ValueType(type: "samples", unit: "count")

    /// Whether this is the sample count of some event (or the single `samples` count).
    public var isSampleCount: Bool { unit == "count" && (type == "samples" || type.hasSuffix(Self.sampleCountSuffix)) }

    /// The event this counts the samples of, if it is such a count.
    public var countedEvent: String? {
        guard unit == "count", type.hasSuffix(Self.sampleCountSuffix) else { return nil }
        return String(type.dropLast(Self.sampleCountSuffix.count))
    }

    public static let sampleCountSuffix = " samples"

    /// Bytes allocated over the run, and allocations: the two sample types the allocation gate compares.
    public static let allocatedSpace = ValueType(type: "alloc_space", unit: "bytes")
    public static let allocatedObjects = ValueType(type: "alloc_objects", unit: "count")
}

/// perf's map file of a JIT'd process (`/tmp/perf-PID.map`, written by V8, the JVM's perf-map-agent, CPython's
/// `-X perf`): perf.data names JIT regions by it, and the symbolizer reads it.
public enum PerfMapFile {
    public static func path(pid: UInt32) -> String { "/tmp/perf-\(pid).map" }

    /// Whether `path` names one (`/tmp/perf-<digits>.map`).
    public static func isPath(_ path: some StringProtocol) -> Bool {
        guard path.hasPrefix(prefix), path.hasSuffix(suffix) else { return false }
        let pid = path.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        return !pid.isEmpty && pid.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// `perf-PID.map`: the file's name without its directory (a copy beside a recording has this name).
    public static func fileName(_ path: String) -> String { String(path.dropFirst("/tmp/".count)) }

    private static let prefix = "/tmp/perf-", suffix = ".map"
}
