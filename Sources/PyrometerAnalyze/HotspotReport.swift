import PyrometerModel

/// Options of the hotspot analysis; each field documents its default.
public struct HotspotOptions: Sendable {
    /// The share (0...1) at which a function is a finding; nil (the default) picks 20% for CPU and other profiles
    /// and 10% for wall-clock profiles.
    public var threshold: Double? = nil
    /// Keep only this many functions in the report, the first in its order, plus every finding (flagged or hot
    /// path); nil (the default) keeps all. A report that is printed with a limit needs no more, and ordering tens of
    /// thousands of rarely sampled functions by name was a fifth of a large profile's analysis.
    public var keepTop: Int? = nil
    /// How samples are charged to functions (default: to the function that owns the machine code).
    public var attribution = AttributionOptions()
    public init() {}

    public static func defaultThreshold(for kind: ProfileKind) -> Double {
        kind == .wall ? 0.10 : 0.20
    }
}

/// A function's self value that was spent in something inside it: an inlined callee (`ChargeKind.inlined`), a
/// runtime's native function run for an application frame (`.native`), or, in an inlined finding, a host.
public struct ChargedFunction: Sendable, Equatable {
    public var name: String
    public var selfValue: Int64
    /// Of the report's total.
    public var selfShare: Double
    public init(name: String, selfValue: Int64, selfShare: Double) {
        self.name = name
        self.selfValue = selfValue
        self.selfShare = selfShare
    }
}

/// An inlined function whose self value, summed over every function it was inlined into, reaches the threshold.
public struct InlinedHotspot: Sendable, Equatable {
    public var name: String
    public var selfValue: Int64
    public var selfShare: Double
    /// The functions it was inlined into, with the part of its self value spent in each, largest first.
    public var hosts: [ChargedFunction]
}

/// One function's row in a hotspot report.
public struct HotspotEntry: Sendable, Equatable {
    /// The function's full name (functions are told apart by it).
    public var name: String
    /// Value of stacks whose leaf is this function.
    public var selfValue: Int64
    /// Value of stacks containing this function (each stack counted once, so recursion does not inflate it).
    public var totalValue: Int64
    public var selfShare: Double
    public var totalShare: Double
    /// The function itself burns at least the threshold (self share ≥ threshold).
    public var flagged: Bool
    /// The cost under this function reaches the threshold but is spread over callees none of which reaches it
    /// alone, and the function's own self share is below it.
    public var hotPath: Bool
    /// The part of its self value spent in inlined callees, largest first.
    public var inlined: [ChargedFunction] = []
    /// For an application frame of an interpreter or JIT: the part of its self value spent in native functions
    /// of the runtime or the system, largest first.
    public var native: [ChargedFunction] = []
    /// In a wall-clock report of a recording with off-CPU time: the self value's parts on and off the CPU.
    public var wallTime: WallTimeParts?
}

/// The functions of a profile with self and inclusive values, and the findings.
public struct HotspotReport: Sendable {
    public var total: Int64
    public var valueType: ValueType
    public var kind: ProfileKind
    public var threshold: Double
    /// Sorted by self value, then total value (both descending), then name; with `HotspotOptions.keepTop`, only
    /// the first of them and the findings.
    public var functions: [HotspotEntry]
    /// How many functions the profile has (`functions` may list fewer).
    public var functionCount: Int
    /// Inlined functions whose self share over all their hosts reaches the threshold, largest first.
    public var inlinedFindings: [InlinedHotspot] = []
    /// How samples were charged to functions.
    public var attribution = AttributionOptions()

    public var flagged: [HotspotEntry] { functions.filter(\.flagged) }
    public var hotPaths: [HotspotEntry] { functions.filter(\.hotPath) }
}

