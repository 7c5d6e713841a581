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
}
