import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import PyrometerModel

/// The two sides of a comparison (`diff`, `gate`): each one or more profiles of any format.
public struct SidesOptions: ParsableArguments {

    public init() {}
    @Argument(help: """
        BASE and HEAD: each a profile file, or a directory whose files are all profiles of that side. For several \
        files per side, use --base and --head instead.
        """)
    var sides: [String] = []

    @Option(help: "A base profile (repeatable; a directory adds every file in it).")
    var base: [String] = []
    @Option(help: "A head profile (repeatable; a directory adds every file in it).")
    var head: [String] = []

    @OptionGroup var read: ReadOptions

    public func validate() throws {
        if !sides.isEmpty && sides.count != 2 {
            throw ValidationError("give BASE and HEAD (two arguments), or --base and --head")
        }
        if !sides.isEmpty && (!base.isEmpty || !head.isEmpty) {
            throw ValidationError("give the sides either as two arguments or with --base/--head, not both")
        }
        if sides.isEmpty && (base.isEmpty || head.isEmpty) {
            throw ValidationError("give BASE and HEAD, or at least one --base and one --head")
        }
    }

    var basePaths: [String] { sides.isEmpty ? base : [sides[0]] }
    var headPaths: [String] { sides.isEmpty ? head : [sides[1]] }

    /// How to reproduce the comparison on a command line (for reports).
    var commandLine: String {
        if !sides.isEmpty { return sides.map(Self.quoted).joined(separator: " ") }
        return (base.map { "--base " + Self.quoted($0) } + head.map { "--head " + Self.quoted($0) })
            .joined(separator: " ")
    }

    private static func quoted(_ path: String) -> String {
        path.allSatisfy { $0.isLetter || $0.isNumber || "/._-+=:,".contains($0) } ? path
            : "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// Each side's profiles, one per file (not merged: the significance tests need them apart).
    func load() throws -> (base: [Profile], head: [Profile]) {
        (try loadSide(basePaths, "base"), try loadSide(headPaths, "head"))
    }

    private func loadSide(_ paths: [String], _ side: String) throws -> [Profile] {
        var profiles: [Profile] = []
        for path in try Self.expand(paths) {
            profiles.append(try read.load([path]))
        }
        guard !profiles.isEmpty else { throw CLIError("no \(side) profiles (an empty directory?)") }
        return profiles
    }

    /// Directories become their (non-hidden) files, sorted by name.
    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var info = stat()
            guard path != "-", stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                files.append(path)
                continue
            }
            guard let directory = opendir(path) else { throw CLIError("\(path): cannot read the directory") }
            defer { closedir(directory) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name.hasPrefix(".") { continue }
                var entryInfo = stat()
                let full = path.hasSuffix("/") ? path + name : path + "/" + name
                if stat(full, &entryInfo) == 0, (entryInfo.st_mode & S_IFMT) == S_IFREG { names.append(full) }
            }
            files.append(contentsOf: names.sorted())
        }
        return files
    }
}
