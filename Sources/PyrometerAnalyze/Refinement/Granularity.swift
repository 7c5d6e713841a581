import PyrometerModel

/// What one frame of a report stands for (pprof's `-functions`, `-filefunctions`, `-files`, `-lines`,
/// `-addresses`): frames are renamed as pprof names its nodes, so that every output (folds, flame graphs,
/// hotspots, diffs) groups by it.
public enum Granularity: String, CaseIterable, Sendable {
    /// A function (the default): frames as they are.
    case functions
    /// A function in a file: `name file`.
    case filefunctions
    /// A source file: `file` (the mapping's `[binary]` without one).
    case files
    /// A source line: `name file:line`.
    case lines
    /// An instruction: `0000000000401136 name file:line`.
    case addresses
}

extension Profile {
    /// This profile with each line's function renamed to its node at `granularity`, pprof's
    /// `graph.NodeInfo.PrintableName` of what `Profile.Aggregate` keeps.
    func atGranularity(_ granularity: Granularity) -> Profile {
        guard granularity != .functions else { return self }
        var rewriter = StackRewriter(self)
        var nodes: [String: FunctionID] = [:]
        for (id, location) in locations.enumerated() {
            let lines = location.lines.map { line -> Line in
                let name = nodeName(granularity, location: location, line: line)
                let function: FunctionID
                if let known = nodes[name] {
                    function = known
                } else {
                    let old = functions[Int(line.function)]
                    function = rewriter.builder.intern(Function(
                        name: rewriter.builder.intern(name), systemName: old.systemName, filename: old.filename,
                        startLine: old.startLine))
                    nodes[name] = function
                }
                return Line(function: function, line: line.line, column: line.column)
            }
            rewriter.replaceLines(of: id, with: lines)
        }
        return rewriter.build { stack, _ in stack }
    }

    private func nodeName(_ granularity: Granularity, location: Location, line: Line) -> String {
        let function = functions[Int(line.function)]
        let name = strings[Int(function.name)], file = Self.cleanPath(strings[Int(function.filename)])
        var parts: [String] = []
        if granularity == .addresses, location.address != 0 { parts.append(Self.hex16(location.address)) }
        if granularity != .files, !name.isEmpty { parts.append(name) }
        let keepsLine = granularity == .lines || granularity == .addresses
        if keepsLine && line.line != 0 {
            parts.append("\(file):\(line.line)")
        } else if !file.isEmpty {
            parts.append(file)
        } else if parts.isEmpty || (granularity == .files && name.isEmpty) {
            let binary = mappingFile(of: location)
            parts.append(binary.isEmpty ? "<unknown>" : "[" + (binary.split(separator: "/").last.map(String.init) ?? binary) + "]")
        }
        return parts.joined(separator: " ")
    }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }

    /// Go's `filepath.Clean`, which pprof applies to file names: no `.` parts, `..` folded, no repeated or trailing
    /// slashes.
    static func cleanPath(_ path: String) -> String {
        guard !path.isEmpty else { return "" }
        let absolute = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." {
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else if part == ".." && absolute && parts.isEmpty {
                continue
            } else {
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
