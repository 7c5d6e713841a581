/// What an importer knows about its format that later stages act on: stages ask for a trait, never compare
/// importer names (`Profile.sourceFormat` only describes the input, in JSON and the store).
public struct SourceTraits: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// A `count` value is a number of samples, one per stack occurrence (folded text, perf script), so the diff's
    /// binomial test may take it as the sample count. In pprof a `count` may count anything (allocations, waits).
    public static let countsAreSamples = SourceTraits(rawValue: 1 << 0)

    /// Function names are frames as a stack-text tool printed them, `;` and all: folding leaves them as inferno
    /// does (perf script's Java tidying already removed the `;` of class names). Other names have `;` replaced.
    public static let namesAreStackText = SourceTraits(rawValue: 1 << 1)

    /// The input was a pprof profile.proto: a command that rewrites its input (symbolize) writes pprof back, which
    /// keeps what folded text cannot (sample types, labels, mappings).
    public static let pprofEncoded = SourceTraits(rawValue: 1 << 2)

    /// Allocation counts and bytes are exact, every allocation seen (DHAT, heaptrack, a heap profile sampled at a
    /// rate of 1), not estimates from samples (Go's heap profiles, jemalloc's at its default rate).
    public static let exactAllocationCounts = SourceTraits(rawValue: 1 << 3)

    /// Stacks may end in the allocator's own frames (`operator new`, `malloc`), which the importer could not name
    /// (perf's allocation probes, heap profiles of addresses): the allocator's frames come off once the profile is
    /// symbolized, so that allocations are charged to their callers.
    public static let allocatorFramesAtLeaves = SourceTraits(rawValue: 1 << 5)

    /// The recorder lost events (perf's LOST records): counts and values are lower bounds. Unlike the others, a
    /// merged profile has this trait when any of its inputs has it.
    public static let eventsLost = SourceTraits(rawValue: 1 << 4)

    /// The traits of `profiles` merged into one: those every input has, and `eventsLost` when any has it.
    public static func merged(_ traits: some Sequence<SourceTraits>) -> SourceTraits {
        var all: SourceTraits?
        var any: SourceTraits = []
        for trait in traits {
            all = all.map { $0.intersection(trait) } ?? trait
            any.formUnion(trait)
        }
        return (all ?? []).union(any.intersection(.eventsLost))
    }

    /// The traits a profile file keeps beside its data, and the pprof comment each is kept as: a profile written by
    /// `record --alloc` or `convert` and read back must still say whether its counts are exact or incomplete.
    public static let keptInComments: [(trait: SourceTraits, comment: String)] = [
        (.exactAllocationCounts, "pyrometer: exact allocation counts"),
        (.eventsLost, "pyrometer: the recorder lost events; counts are lower bounds"),
    ]

    /// The comments that keep this profile's traits.
    public var comments: [String] { Self.keptInComments.filter { contains($0.trait) }.map(\.comment) }

    /// The trait a comment keeps, if it is one of `keptInComments`.
    public init?(comment: String) {
        guard let kept = Self.keptInComments.first(where: { $0.comment == comment }) else { return nil }
        self = kept.trait
    }
}
