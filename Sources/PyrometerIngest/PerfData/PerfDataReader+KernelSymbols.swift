import PyrometerModel

/// Kernel frames are named by a `Symbolizer`: the one `ImportOptions.kernelSymbolizer` gives, else the
/// recording kernel's kallsyms, found as the importer's documentation says.
extension PerfDataReader {
    mutating func kernelSymbolizer() -> (any Symbolizer)? {
        if let given = options.kernelSymbolizer { return given }
        return kallsyms().map(KallsymsSymbolizer.init)
    }

    mutating func kallsyms() -> Kallsyms? {
        if !kernelSymbolsLoaded {
            kernelSymbolsLoaded = true
            if let path = options.kallsymsPath {
                kernelSymbols = Kallsyms.load(path: path)
                if kernelSymbols == nil {
                    diagnostics.append(Diagnostic(kind: "kallsyms file unreadable or empty; kernel frames unnamed",
                                                  count: 0, firstFile: path, firstLine: nil, example: ""))
                }
            } else {
                kernelSymbols = findKernelSymbols()
            }
            if let kernelReference {
                kernelSymbols?.relocate(reference: kernelReference.name, recordedAddress: kernelReference.address)
            }
        }
        return kernelSymbols
    }

    /// The recording kernel's symbols without `--kallsyms`: this machine's when it runs that kernel (the same
    /// build-id, or the same release when the recording names no kernel build-id), else perf's build-id cache;
    /// nil with a warning that says what to do when neither has them.
    mutating func findKernelSymbols() -> Kallsyms? {
        let recordedID = buildIDs[MappingEntry.kernelPath].flatMap(Kallsyms.normalizedBuildID)
        let runningID = Kallsyms.runningBuildID().flatMap(Kallsyms.normalizedBuildID)
        let runningRelease = Kallsyms.runningRelease()
        let sameKernel = if let recordedID, let runningID { recordedID == runningID } else {
            osRelease != nil && osRelease == runningRelease
        }
        if sameKernel, let symbols = Kallsyms.load(path: "/proc/kallsyms") { return symbols }
        var searched: [String] = []
        let directories = Kallsyms.buildIDCacheDirectories()
        if let recordedID {
            for directory in directories {
                guard let path = Kallsyms.cachePath(directory: directory, buildID: recordedID) else { continue }
                if let symbols = Kallsyms.load(path: path) { return symbols }
                searched.append(path)
            }
        }
        let recording = file.split(separator: "/").last.map(String.init).flatMap { $0.hasPrefix("<") ? nil : $0 }
            ?? "perf.data"
        let cacheHint = searched.isEmpty ? "" : ", and no build-id cache holds that kernel's kallsyms (looked for "
            + searched.joined(separator: ", ") + ")"
        let kind: String
        if sameKernel {
            kind = "kernel frames unnamed: this machine runs the recording's kernel, but its /proc/kallsyms shows "
                + "this user zero addresses" + cacheHint + "; run as root, or pass --kallsyms with a copy of "
                + "/proc/kallsyms read as root"
        } else if let recordedID {
            kind = "kernel frames unnamed: recorded on kernel \(osRelease ?? "(unknown)") (build-id \(recordedID)), "
                + "this machine runs \(runningRelease ?? "(unknown)")" + (runningID.map { " (build-id \($0))" } ?? "")
                + cacheHint + "; on the recording host, run `perf archive \(recording)` and unpack "
                + "\(recording).tar.bz2 here with `tar xf \(recording).tar.bz2 -C "
                + "\(directories.first ?? "~/.debug")`, or pass --kallsyms with a copy of the recording host's "
                + "/proc/kallsyms"
        } else {
            kind = "kernel frames unnamed: recorded on kernel \(osRelease ?? "(unknown)"), this machine runs "
                + "\(runningRelease ?? "(unknown)"), and the recording has no kernel build-id to find its kallsyms "
                + "by in a build-id cache; pass --kallsyms with a copy of the recording host's /proc/kallsyms"
        }
        diagnostics.append(Diagnostic(kind: kind, count: 0, firstFile: file, firstLine: nil, example: ""))
        return nil
    }
}
