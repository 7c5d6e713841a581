import PyrometerModel

/// pprof's refinements of a profile, with its semantics and names (`go tool pprof -focus ... -tagfocus ...
/// -lines`): narrowing a profile before it is read, by function names, by labels, and by granularity.
///
/// Applied in the order of the `go tool pprof` this was checked against (Go 1.19's vendored pprof, `driver.go`
/// and `driver_focus.go`): label frames first (so that the name filters see them), then the name filters,
/// show-from, the tag filters, prune-from, and granularity last. Each is one pass over the samples; an empty
/// refinement returns the profile as it is.
///
/// Shares are of the refined profile (pprof's `-relative_percentages`): a threshold applies to what was kept.
public struct Refinement: Sendable {
    public var focus: NamePattern?
    public var ignore: NamePattern?
    public var hide: NamePattern?
    public var show: NamePattern?
    public var showFrom: NamePattern?
    public var pruneFrom: NamePattern?
    public var tagFocus: [TagFilter] = []
    public var tagIgnore: [TagFilter] = []
    /// Label keys whose values become frames at the root of each stack, outermost first (`--tag-root`)...
    public var tagRoot: [String] = []
    /// ...and at the leaf, innermost last (`--tag-leaf`).
    public var tagLeaf: [String] = []
    public var granularity: Granularity = .functions

    public init() {}

    public var isEmpty: Bool {
        focus == nil && ignore == nil && hide == nil && show == nil && showFrom == nil && pruneFrom == nil
            && tagFocus.isEmpty && tagIgnore.isEmpty && tagRoot.isEmpty && tagLeaf.isEmpty && granularity == .functions
    }

    /// The refined profile, and a warning for each option that matched nothing (as pprof prints them).
    public func apply(to profile: Profile) -> (profile: Profile, warnings: [String]) {
        var profile = profile
        var warnings: [String] = []
        func warn(_ option: String, _ pattern: String, matched: Bool,
                  nothing: String = "no function, source file or binary") {
            if !matched { warnings.append("--\(option) '\(pattern)' matched \(nothing)") }
        }
        if !tagRoot.isEmpty || !tagLeaf.isEmpty {
            // pprof names a missing label's frame by its key, which only its function granularity drops.
            profile = profile.addingLabelFrames(roots: tagRoot, leaves: tagLeaf,
                                                missing: granularity == .functions ? "<unknown>" : "")
        }
        if focus != nil || ignore != nil || hide != nil || show != nil {
            let (filtered, matched) = profile.filteredByName(focus: focus, ignore: ignore, hide: hide, show: show)
            profile = filtered
            if let focus { warn("focus", focus.source, matched: matched.focus) }
            if let ignore { warn("ignore", ignore.source, matched: matched.ignore) }
            if let hide { warn("hide", hide.source, matched: matched.hide) }
            if let show { warn("show", show.source, matched: matched.show) }
        }
        if let showFrom {
            let (shown, matched) = profile.shownFrom(showFrom)
            profile = shown
            warn("show-from", showFrom.source, matched: matched)
        }
        if !tagFocus.isEmpty || !tagIgnore.isEmpty {
            let (filtered, focused, ignored) = profile.filteredByTags(focus: tagFocus, ignore: tagIgnore)
            profile = filtered
            for filter in tagFocus { warn("tag-focus", filter.source, matched: focused, nothing: "no sample's labels") }
            for filter in tagIgnore { warn("tag-ignore", filter.source, matched: ignored, nothing: "no sample's labels") }
        }
        if let pruneFrom {
            let (pruned, matched) = profile.prunedFrom(pruneFrom)
            profile = pruned
            warn("prune-from", pruneFrom.source, matched: matched)
        }
        if granularity != .functions { profile = profile.atGranularity(granularity) }
        return (profile, warnings)
    }
}

extension Profile {
    /// The samples that pass every `focus` filter and no `ignore` filter (pprof's `FilterSamplesByTag`, which takes
    /// one of each), and whether any sample was focused, or ignored.
    func filteredByTags(focus: [TagFilter], ignore: [TagFilter]) -> (profile: Profile, focused: Bool, ignored: Bool) {
        let units = NumericLabelUnits(self)
        var decisions = [(focused: Bool, ignored: Bool)?](repeating: nil, count: labelSets.count)
        var focused = false, ignored = false
        let profile = keepingSamples { sample in
            let set = Int(sample.labels)
            if decisions[set] == nil {
                let labels = labelSets[set]
                decisions[set] = (focus.allSatisfy { $0.matches(labels, in: self, units: units) },
                                  ignore.contains { $0.matches(labels, in: self, units: units) })
            }
            let decision = decisions[set]!
            focused = focused || decision.focused
            ignored = ignored || decision.ignored
            return decision.focused && !decision.ignored
        }
        return (profile, focused, ignored)
    }
}
