import PyrometerModel

/// A regular expression of a refinement option (`--focus`, `--hide`, ...), matched as pprof matches them: anywhere
/// in a function's name or source file name, or in the path of the location's mapping.
public struct NamePattern: @unchecked Sendable {  // Regex holds no mutable state once compiled
    /// The expression as the user gave it.
    public let source: String
    private let regex: Regex<AnyRegexOutput>

    /// - Throws: `RefinementError` naming the option when `source` is not a valid expression.
    public init(_ source: String, option: String) throws(RefinementError) {
        do {
            regex = try Regex(source)
        } catch {
            throw RefinementError("--\(option) '\(source)' is not a regular expression: \(error)")
        }
        self.source = source
    }

    public func matches(_ text: String) -> Bool { text.contains(regex) }
}

/// A refinement that cannot be applied as given.
public struct RefinementError: UserFacingError, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// What a pattern matches in one profile, each function and mapping tested once.
struct PatternMatches {
    /// Per function: its name or file matches.
    let functions: [Bool]
    /// Per mapping: its path matches.
    let mappings: [Bool]

    init(_ pattern: NamePattern, in profile: Profile) {
        var byString: [StringID: Bool] = [:]
        func test(_ id: StringID) -> Bool {
            if let known = byString[id] { return known }
            let result = pattern.matches(profile.strings[Int(id)])
            byString[id] = result
            return result
        }
        functions = profile.functions.map { test($0.name) || test($0.filename) }
        mappings = profile.mappings.map { test($0.file) }
    }

    func line(_ line: Line) -> Bool { functions[Int(line.function)] }

    /// pprof's `Location.matchesName`: a line's function matches, or the mapping's path.
    func location(_ location: Location) -> Bool {
        mapping(of: location) || location.lines.contains(where: line)
    }

    func mapping(of location: Location) -> Bool { location.mapping.map { mappings[Int($0)] } ?? false }
}
