#if canImport(Glibc)
import Glibc
#endif

/// Finds the binary and the debug file of a mapping: the path in the profile, `--binary-path` directories (as
/// pprof's `PPROF_BINARY_PATH`), build-id directories (`/usr/lib/debug/.build-id` and `--debug-dir`), and
/// `.gnu_debuglink`. A binary whose build-id differs from the profile's is not used.
struct FileLocator {
    var binaryPaths: [String]
    /// Debug directories, each holding `.build-id/xx/rest.debug` and debuglink targets; the system's last.
    var debugDirectories: [String]

    /// What was found for one mapping.
    struct Found {
        /// The file whose symbols and DWARF are read (the debug file when there is one, else the binary).
        var symbolFile: String
        /// The file whose program headers translate file offsets (the binary when found, else the debug file).
        var layout: ELFFileInfo
        var binary: String?
    }

    /// Why a mapping's files were not used.
    enum Problem: Error, Equatable {
        case notFound
        case invalidBuildID(String)
        case buildIDMismatch(path: String, expected: String, found: String)
    }

    /// A build-id as lowercase hex, or nil when it is not hex (it becomes part of a path).
    static func normalizedBuildID(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.count >= 2, lower.count <= 128, lower.count % 2 == 0,
              lower.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return lower
    }

    func locate(path: String, buildID rawBuildID: String) -> Result<Found, Problem> {
        var buildID: String?
        if !rawBuildID.isEmpty {
            guard let valid = Self.normalizedBuildID(rawBuildID) else {
                return .failure(.invalidBuildID(rawBuildID))
            }
            buildID = valid
        }
        var mismatch: Problem?
        var binary: (path: String, info: ELFFileInfo)?
        for candidate in binaryCandidates(path: path, buildID: buildID) {
            guard let info = ELFFileInfo.read(path: candidate) else { continue }
            if let buildID, let own = info.buildID?.lowercaseHex, own != buildID {
                if mismatch == nil {
                    mismatch = .buildIDMismatch(path: candidate, expected: buildID, found: own)
                }
                continue
            }
            binary = (candidate, info)
            break
        }
        let effectiveBuildID = buildID ?? binary?.info.buildID?.lowercaseHex
        if let binary, binary.info.hasDebugInfo {
            return .success(Found(symbolFile: binary.path, layout: binary.info, binary: binary.path))
        }
        // A separate debug file: by build-id, then by the binary's .gnu_debuglink.
        var debugCandidates: [String] = []
        if let effectiveBuildID {
            for directory in debugDirectories {
                debugCandidates.append(directory + "/.build-id/" + String(effectiveBuildID.prefix(2)) + "/"
                                       + String(effectiveBuildID.dropFirst(2)) + ".debug")
            }
        }
        if let binary, let link = binary.info.debugLink, !link.contains("/") {
            let directory = Self.directory(of: binary.path)
            debugCandidates.append(directory + "/" + link)
            debugCandidates.append(directory + "/.debug/" + link)
            for root in debugDirectories { debugCandidates.append(root + directory + "/" + link) }
        }
        for candidate in debugCandidates {
            guard let info = ELFFileInfo.read(path: candidate), info.hasDebugInfo || info.hasSymbolTable else { continue }
            if let effectiveBuildID, let own = info.buildID?.lowercaseHex, own != effectiveBuildID { continue }
            return .success(Found(symbolFile: candidate, layout: binary?.info ?? info, binary: binary?.path))
        }
        if let binary {
            return .success(Found(symbolFile: binary.path, layout: binary.info, binary: binary.path))
        }
        return .failure(mismatch ?? .notFound)
    }

    /// pprof's order: `DIR/BUILDID/NAME`, `DIR/NAME`, `DIR/PATH`, then the path itself. Joined paths that would
    /// leave their directory (`..`) are not tried.
    private func binaryCandidates(path: String, buildID: String?) -> [String] {
        let name = String(path.split(separator: "/").last ?? "")
        var candidates: [String] = []
        for directory in binaryPaths {
            if let buildID, !name.isEmpty, Self.isSafeRelative(name) {
                candidates.append(directory + "/" + buildID + "/" + name)
            }
            if !name.isEmpty, Self.isSafeRelative(name) { candidates.append(directory + "/" + name) }
            let relative = path.hasPrefix("/") ? String(path.dropFirst()) : path
            if !relative.isEmpty, Self.isSafeRelative(relative) { candidates.append(directory + "/" + relative) }
        }
        if path.hasPrefix("/") { candidates.append(path) }
        return candidates
    }

    /// A relative path with no `..` component (so that it stays inside the directory it is joined to) and no
    /// special names such as `[vdso]`.
    static func isSafeRelative(_ path: String) -> Bool {
        guard !path.hasPrefix("/"), !path.hasPrefix("["), !path.contains("\0") else { return false }
        return !path.split(separator: "/").contains("..")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "" : String(path[..<slash])
    }
}
