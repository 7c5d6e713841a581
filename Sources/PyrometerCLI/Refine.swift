import ArgumentParser
import PyrometerAnalyze
import PyrometerModel

/// pprof's refinement options (docs/refinements.md), shared by every command that reads profiles.
public struct RefineOptions: ParsableArguments {

    public init() {}
    @Option(help: ArgumentHelp("Keep only samples with a frame matching REGEX (function name, source file or binary path).",
                               valueName: "regex"))
    var focus: String?
    @Option(help: ArgumentHelp("Drop samples with a frame matching REGEX.", valueName: "regex"))
    var ignore: String?
    @Option(help: ArgumentHelp("Remove frames matching REGEX from the stacks (their time goes to their callers).",
                               valueName: "regex"))
    var hide: String?
    @Option(help: ArgumentHelp("Keep only frames matching REGEX in the stacks.", valueName: "regex"))
    var show: String?
    @Option(name: .customLong("show-from"),
            help: ArgumentHelp("Drop the callers of the outermost frame matching REGEX, and samples without one.",
                               valueName: "regex"))
    var showFrom: String?
    @Option(name: .customLong("prune-from"),
            help: ArgumentHelp("Drop the callees of the innermost frame whose function (without arguments) matches REGEX.",
                               valueName: "regex"))
    var pruneFrom: String?
    @Option(name: .customLong("tag-focus"), help: ArgumentHelp("""
        Keep only samples whose labels match: KEY=REGEX[,REGEX...], KEY=RANGE of a numeric label (64kb, 1mb:, \
        :100ms, 10:20), or a REGEX on KEY:VALUE; repeatable (all must match).
        """, valueName: "filter"))
    var tagFocus: [String] = []
    @Option(name: .customLong("tag-ignore"), help: ArgumentHelp("Drop samples whose labels match (as --tag-focus); repeatable.",
                                                              valueName: "filter"))
    var tagIgnore: [String] = []
    @Option(name: .customLong("tag-root"), help: ArgumentHelp(
        "Add the values of these labels as frames at the root of each stack (comma-separated keys, first outermost).",
        valueName: "keys"))
    var tagRoot: String?
    @Option(name: .customLong("tag-leaf"), help: ArgumentHelp(
        "Add the values of these labels as frames at the leaf of each stack (comma-separated keys, last innermost).",
        valueName: "keys"))
    var tagLeaf: String?
    @Option(help: "What a frame stands for: functions (default), filefunctions, files, lines or addresses.")
    var granularity: Granularity = .functions

    /// The refinement these options describe.
    func refinement() throws -> Refinement {
        var refinement = Refinement()
        func pattern(_ text: String?, _ option: String) throws -> NamePattern? {
            guard let text, !text.isEmpty else { return nil }
            return try NamePattern(text, option: option)
        }
        refinement.focus = try pattern(focus, "focus")
        refinement.ignore = try pattern(ignore, "ignore")
        refinement.hide = try pattern(hide, "hide")
        refinement.show = try pattern(show, "show")
        refinement.showFrom = try pattern(showFrom, "show-from")
        refinement.pruneFrom = try pattern(pruneFrom, "prune-from")
        refinement.tagFocus = try tagFocus.map { try TagFilter($0, option: "tag-focus") }
        refinement.tagIgnore = try tagIgnore.map { try TagFilter($0, option: "tag-ignore") }
        func keys(_ list: String?) -> [String] { (list ?? "").split(separator: ",").map(String.init) }
        refinement.tagRoot = keys(tagRoot)
        refinement.tagLeaf = keys(tagLeaf)
        refinement.granularity = granularity
        return refinement
    }

    public func validate() throws {
        do {
            _ = try refinement()
        } catch let error as RefinementError {
            throw ValidationError(error.description)
        }
    }

    /// `profile` refined, the warnings printed (an option that matched nothing).
    public func apply(to profile: Profile) throws -> Profile {
        let refinement = try refinement()
        guard !refinement.isEmpty else { return profile }
        let (refined, warnings) = refinement.apply(to: profile)
        for warning in warnings { Console.warn(warning) }
        guard !refined.samples.isEmpty else {
            throw CLIError("no samples left after the refinement options (--focus, --tag-focus, ...); "
                           + "'pyrometer hotspots --limit 0' on the input lists the function names to match")
        }
        return refined
    }
}

extension Granularity: ExpressibleByArgument {}
