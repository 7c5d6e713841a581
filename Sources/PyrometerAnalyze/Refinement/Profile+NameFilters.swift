import PyrometerModel

/// pprof's filters by function name (`profile/filter.go`, `profile/prune.go`), on the profile's locations and
/// their inline lines. Each returns the new profile and whether its patterns matched anything, for the warnings.
extension Profile {
    /// `--focus`, `--ignore`, `--hide`, `--show` (pprof's `FilterSamplesByName`): a sample stays when one of its
    /// locations matches focus (any location, without focus) and none matches ignore; hide removes the matching
    /// lines of a location and show keeps only the matching ones; a location left without lines leaves every stack.
    func filteredByName(focus: NamePattern?, ignore: NamePattern?, hide: NamePattern?, show: NamePattern?)
        -> (profile: Profile, matched: (focus: Bool, ignore: Bool, hide: Bool, show: Bool)) {
        let focusMatches = focus.map { PatternMatches($0, in: self) }
        let ignoreMatches = ignore.map { PatternMatches($0, in: self) }
        let hideMatches = hide.map { PatternMatches($0, in: self) }
        let showMatches = show.map { PatternMatches($0, in: self) }
        var matched = (focus: false, ignore: false, hide: false, show: false)
        var rewriter = StackRewriter(self)
        // Per location: true = focused, false = ignored (a sample through it goes), nil = neither.
        var decision = [Bool?](repeating: nil, count: locations.count)
        for (id, location) in locations.enumerated() {
            if let ignoreMatches, ignoreMatches.location(location) {
                matched.ignore = true
                decision[id] = false
            } else if focusMatches.map({ $0.location(location) }) ?? true {
                matched.focus = true
                decision[id] = true
            }
            guard hideMatches != nil || showMatches != nil else { continue }
            var lines = location.lines
            // pprof hides a location whose lines hide or show left empty, even one that had none (unsymbolized).
            var hidden = false
            if let hideMatches, hideMatches.location(location) {
                matched.hide = true
                lines = hideMatches.mapping(of: location) ? [] : lines.filter { !hideMatches.line($0) }
                hidden = lines.isEmpty
            }
            if let showMatches {
                lines = showMatches.mapping(of: location) ? lines : lines.filter(showMatches.line)
                if lines.isEmpty { hidden = true } else { matched.show = true }
            }
            if hidden { rewriter.drop(id) } else { rewriter.replaceLines(of: id, with: lines) }
        }
        let profile = rewriter.build { stack, _ in
            var focused = false
            for location in stack {
                switch decision[Int(location)] {
                case false?: return nil
                case true?: focused = true
                case nil: break
                }
            }
            return focused ? stack : nil
        }
        return (profile, matched)
    }

    /// `--show-from` (pprof's `ShowFrom`): each stack loses the frames above (callers of) its outermost matching
    /// frame, and a matching location the inline lines above its outermost matching line; samples without a match
    /// go.
    func shownFrom(_ pattern: NamePattern) -> (profile: Profile, matched: Bool) {
        let matches = PatternMatches(pattern, in: self)
        var rewriter = StackRewriter(self)
        var isMatch = [Bool](repeating: false, count: locations.count)
        for (id, location) in locations.enumerated() {
            if matches.mapping(of: location) {
                isMatch[id] = true
            } else if let last = location.lines.lastIndex(where: matches.line) {
                isMatch[id] = true
                rewriter.replaceLines(of: id, with: Array(location.lines[...last]))
            }
        }
        let profile = rewriter.build { stack, _ in
            guard let outermost = stack.lastIndex(where: { isMatch[Int($0)] }) else { return nil }
            return stack[...outermost]
        }
        return (profile, isMatch.contains(true))
    }

    /// `--prune-from` (pprof's `PruneFrom`): each stack loses the frames below (callees of) its innermost matching
    /// frame, and a matching location the inline lines below its innermost matching line. Only function names are
    /// matched, without their argument lists (`simplifyFunc`): a Go method `pkg.(*T).M` is matched as `pkg.`.
    func prunedFrom(_ pattern: NamePattern) -> (profile: Profile, matched: Bool) {
        var byFunction: [Bool?] = Array(repeating: nil, count: functions.count)
        func matches(_ line: Line) -> Bool {
            if let known = byFunction[Int(line.function)] { return known }
            let name = Self.withoutArguments(strings[Int(functions[Int(line.function)].name)])
            let result = !name.isEmpty && pattern.matches(name)
            byFunction[Int(line.function)] = result
            return result
        }
        var rewriter = StackRewriter(self)
        var isMatch = [Bool](repeating: false, count: locations.count)
        for (id, location) in locations.enumerated() {
            guard let first = location.lines.firstIndex(where: matches) else { continue }
            isMatch[id] = true
            rewriter.replaceLines(of: id, with: Array(location.lines[first...]))
        }
        let profile = rewriter.build { stack, _ in
            guard let innermost = stack.firstIndex(where: { isMatch[Int($0)] }) else { return stack }
            return stack[innermost...]
        }
        return (profile, isMatch.contains(true))
    }

    /// A function name without its argument list, as pprof's `simplifyFunc` cuts it: at the first `(` that is not
    /// part of `(anonymous namespace)` or `operator()`.
    static func withoutArguments(_ name: String) -> String {
        var bytes = Substring(name).utf8[...]
        if bytes.first == UInt8(ascii: ".") { bytes = bytes.dropFirst() }  // PPC64 ELFv1 function descriptors
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let rest = bytes[index...]
            if let reserved = reservedNames.first(where: { rest.starts(with: $0.utf8) }) {
                index = bytes.index(index, offsetBy: reserved.utf8.count)
            } else if bytes[index] == UInt8(ascii: "(") {
                return String(Substring(bytes[..<index]))
            } else {
                index = bytes.index(after: index)
            }
        }
        return String(Substring(bytes))
    }

    private static let reservedNames = ["(anonymous namespace)", "operator()"]
}
