import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import PyrometerDemangle
import PyrometerModel

/// Options of symbolization; each field documents its default.
public struct SymbolizeOptions: Sendable {
    public enum Mode: String, CaseIterable, Sendable {
        /// Symbolize the locations that have no function (the default).
        case auto
        /// Leave the profile as it is.
        case none
        /// Symbolize every location of a mapping whose file is found, replacing the names the profile had.
        case force
    }

    public var mode: Mode = .auto
    /// Extra debug directories (each with `.build-id/xx/rest.debug`), searched before `/usr/lib/debug`.
    public var debugDirectories: [String] = []
    /// Directories searched for binaries, as pprof's `PPROF_BINARY_PATH`.
    public var binaryPaths: [String] = []
    /// Demangle C++, Rust and Swift names (else keep linkage names).
    public var demangle = true
    /// Read the DWARF for inline chains and file:line (the default); false names each address by the function of
    /// the symbol table that holds it, which is all a fold without inline frames shows, and skips reading (and
    /// inflating) debug information.
    public var lines = true
    /// Worker threads, each with its own libdw session.
    public var threads = ProcessInfoLite.activeProcessorCount
    public init() {}
}

/// Resolves raw addresses of a `Profile` into functions, file:line:column and full inline chains with libdw.
///
/// Addresses are grouped by mapping, translated from runtime addresses to ELF virtual addresses through the
/// mapping and the file's PT_LOAD segments, deduplicated, sorted and split over worker threads (one libdw session
/// each). Locations that cannot be resolved are left as they are, so they still fold by module and offset.
public struct ProfileSymbolizer: Sendable {
    public var options: SymbolizeOptions
    /// What names a module's addresses: libdw unless a test gives another.
    public var backend: any Symbolizer

    public init(options: SymbolizeOptions = SymbolizeOptions(), backend: (any Symbolizer)? = nil) {
        self.options = options
        self.backend = backend ?? LibDWSymbolizer(demangle: options.demangle, lines: options.lines)
    }

    public struct Result: Sendable {
        public var profile: Profile
        public var diagnostics: [Diagnostic]
        /// Locations given names, and locations that needed names but got none.
        public var resolved: Int
        public var unresolved: Int
    }

    /// Where a location's chain is: chain `chain` of `chainSets[set]` (set -1: none).
    private struct ChainReference {
        var set: Int32
        var chain: Int32
    }

    /// A location to resolve: its index in the profile and its file offset or virtual address.
    private struct Query {
        var location: Int
        var address: UInt64
    }

    public func symbolize(_ profile: Profile) -> Result {
        guard options.mode != .none else { return Result(profile: profile, diagnostics: [], resolved: 0, unresolved: 0) }
        var diagnostics: [Diagnostic] = []
        // Locations to resolve, by mapping.
        var byMapping: [Int: [Int]] = [:]
        for (index, location) in profile.locations.enumerated() {
            guard let mapping = location.mapping else { continue }
            if options.mode == .auto && !location.lines.isEmpty { continue }
            byMapping[Int(mapping), default: []].append(index)
        }
        guard !byMapping.isEmpty else { return Result(profile: profile, diagnostics: [], resolved: 0, unresolved: 0) }

        let locator = FileLocator(binaryPaths: options.binaryPaths,
                                  debugDirectories: options.debugDirectories + ["/usr/lib/debug"])
        // Per module: the file to open and its (virtual address, location) queries.
        var jobs: [(file: String, queries: [Query])] = []
        var notFound: [String] = []
        var jitChains = ResolvedChains()
        var jitLocations: [Int] = []  // the location of each chain of `jitChains`
        for mappingIndex in byMapping.keys.sorted() {
            let locations = byMapping[mappingIndex]!
            let mapping = profile.mappings[mappingIndex]
            let path = profile.strings[Int(mapping.file)]
            let buildID = profile.strings[Int(mapping.buildID)]
            // perf's pseudo-modules (`[kernel.kallsyms]`, `[vdso]`, `[unknown]`, `//anon`) are no files to read; a
            // vmlinux or a kernel module on disk is.
            switch MappingKind(path: path) {
            case .vdso, .unknown, .anonymous: continue
            case .kernel where path.hasPrefix("["): continue
            case .kernel, .jit, .file: break
            }
            // JIT code: perf's map file names it by runtime address (perf script prints those as they are).
            if JitMap.isJitMap(path) {
                // The recording host's map, or a copy beside the recording's binaries (`--binary-path DIR`
                // holding `perf-PID.map`).
                let copies = options.binaryPaths.map { $0 + "/" + PerfMapFile.fileName(path) }
                guard let map = ([path] + copies).lazy.compactMap({ JitMap.load(path: $0) }).first else {
                    notFound.append(path)
                    continue
                }
                for index in locations {
                    if let name = map.name(at: profile.locations[index].address) {
                        let label = ShortName.withoutParameters(name)
                        jitChains.frames.append(ResolvedFrame(name: name, shortName: label == name ? nil : label,
                                                              linkageName: nil, file: nil, line: 0, column: 0))
                        jitChains.endChain()
                        jitLocations.append(index)
                    }
                }
                continue
            }
            switch locator.locate(path: path, buildID: buildID) {
            case .failure(let problem):
                switch problem {
                case .notFound:
                    notFound.append(path.isEmpty ? "(no file name)" : path)
                case .invalidBuildID(let text):
                    diagnostics.append(Self.warning("build-id is not hexadecimal; mapping not symbolized", path: path,
                                                    example: text))
                case let .buildIDMismatch(candidate, expected, found):
                    diagnostics.append(Self.warning("binary's build-id \(found) differs from the profile's \(expected); not used",
                                                    path: candidate, example: path))
                }
            case .success(let found):
                var queries: [Query] = []
                for index in locations {
                    let location = profile.locations[index]
                    // pprof and perf.data give runtime addresses and the mapping's range: runtime address → file
                    // offset. perf script prints the address within the file already (its `map_ip`, a file
                    // offset, for PIE and non-PIE alike), and has no range.
                    let offset = mapping.limit > mapping.start
                        ? location.address &- mapping.start &+ mapping.fileOffset : location.address
                    if let address = found.layout.virtualAddress(fileOffset: offset) {
                        queries.append(Query(location: index, address: address))
                    }
                }
                if !queries.isEmpty { jobs.append((found.symbolFile, queries)) }
            }
        }
        if !notFound.isEmpty {
            diagnostics.append(Diagnostic(kind: "binary or debug file not found (try --binary-path or --debug-dir); "
                                              + "\(notFound.count) module\(notFound.count == 1 ? "" : "s") left unsymbolized",
                                          count: 0, firstFile: notFound[0], firstLine: nil,
                                          example: notFound.prefix(3).joined(separator: ", ")))
        }

        // The chain of each location (flat: a dictionary of 100,000 entries was a tenth of the command).
        var chainOf = [ChainReference](repeating: ChainReference(set: -1, chain: 0), count: profile.locations.count)
        var chainSets = resolve(jobs, into: &chainOf)
        for (chain, index) in jitLocations.enumerated() where chainOf[index].set < 0 {
            chainOf[index] = ChainReference(set: Int32(chainSets.count), chain: Int32(chain))
        }
        chainSets.append(jitChains)
        let chains = chainSets, chainOfLocation = chainOf
        var resolvedCount = 0
        var builder = ProfileBuilder(sampleTypes: profile.sampleTypes, defaultSampleType: profile.defaultSampleType,
                                     sourceFormat: profile.sourceFormat, sourceTraits: profile.sourceTraits)
        builder.merge(profile) { index, location, builder in
            let reference = chainOfLocation[index]
            guard reference.set >= 0 else { return nil }
            let chain = chains[Int(reference.set)][Int(reference.chain)]
            resolvedCount += 1
            var replaced = location
            replaced.lines = chain.map { frame in
                let name = builder.intern(frame.name)
                // Without demangling (and for C names) the linkage name is the name: one lookup.
                let systemName = frame.linkageName.map { $0 == frame.name ? name : builder.intern($0) } ?? 0
                let id = builder.intern(Function(name: name, systemName: systemName,
                                                 filename: frame.file.map { builder.intern($0) } ?? 0,
                                                 shortName: frame.shortName.map { builder.intern($0) } ?? 0))
                return Line(function: id, line: Int64(frame.line), column: Int64(frame.column))
            }
            replaced.isInlineFrame = false
            return replaced
        }
        let needed = byMapping.values.reduce(0) { $0 + $1.count }
        return Result(profile: builder.build(), diagnostics: diagnostics, resolved: resolvedCount,
                      unresolved: needed - resolvedCount)
    }

    /// Resolves every job's queries, returning the chains of each task and setting `chainOf` (by location) for
    /// those with a non-empty chain: addresses deduplicated and sorted per module, split in contiguous runs over
    /// the workers (each run touches few compilation units, so each worker indexes few), one session per worker.
    private func resolve(_ jobs: [(file: String, queries: [Query])],
                         into chainOf: inout [ChainReference]) -> [ResolvedChains] {
        struct Task {
            var file: String
            var addresses: ArraySlice<UInt64>
        }
        var tasks: [Task] = []
        var sortedQueries: [[Query]] = []
        var firstTask: [Int] = []
        let workers = max(1, options.threads)
        for job in jobs {
            let queries = job.queries.sorted { $0.address < $1.address }
            var addresses: [UInt64] = []
            addresses.reserveCapacity(queries.count)
            for query in queries where addresses.last != query.address { addresses.append(query.address) }
            sortedQueries.append(queries)
            firstTask.append(tasks.count)
            // Small modules go whole to one worker: indexing a module twice costs more than it saves. Large ones
            // are cut in several runs per worker, taken in turn, so that no worker is left with the slow end.
            let parts = addresses.count >= 4096 ? min(workers * 8, addresses.count / 512) : 1
            let size = (addresses.count + parts - 1) / parts
            var start = 0
            while start < addresses.count {
                tasks.append(Task(file: job.file, addresses: addresses[start ..< min(start + size, addresses.count)]))
                start += size
            }
        }
        firstTask.append(tasks.count)
        let allTasks = tasks
        let results = ResultSlots(count: allTasks.count)
        let backend = backend
        let next = TaskCounter()
        // DWARF walks recurse at most `DwarfModule.maximumDepth` levels: Dispatch's worker stacks are enough.
        DispatchQueue.concurrentPerform(iterations: min(workers, max(allTasks.count, 1))) { _ in
            while let taskIndex = next.take(limit: allTasks.count) {
                let task = allTasks[taskIndex]
                var chains = ResolvedChains()
                guard backend.resolve(task.addresses, in: task.file, into: &chains) else { continue }
                results.store(taskIndex, chains)
            }
        }
        // Each job's tasks hold its distinct addresses in order; its sorted queries walk along them.
        let chainSets = (0 ..< allTasks.count).map { results.take($0) }
        for (jobIndex, queries) in sortedQueries.enumerated() {
            var queryIndex = 0
            for taskIndex in firstTask[jobIndex] ..< firstTask[jobIndex + 1] {
                let chains = chainSets[taskIndex]
                // A task whose module could not be opened has no chains.
                guard chains.count == allTasks[taskIndex].addresses.count else { continue }
                for (chain, address) in allTasks[taskIndex].addresses.enumerated() {
                    while queryIndex < queries.count && queries[queryIndex].address < address { queryIndex += 1 }
                    while queryIndex < queries.count && queries[queryIndex].address == address {
                        if !chains[chain].isEmpty {
                            chainOf[queries[queryIndex].location] = ChainReference(set: Int32(taskIndex),
                                                                                   chain: Int32(chain))
                        }
                        queryIndex += 1
                    }
                }
            }
        }
        return chainSets
    }

    private static func warning(_ kind: String, path: String, example: String) -> Diagnostic {
        Diagnostic(kind: kind, count: 0, firstFile: path, firstLine: nil, example: example)
    }
}

/// libdw sessions with the modules they opened, kept for the process's lifetime: a later call (another profile of a
/// diff, another side) finds its binaries indexed already, and nothing is torn down at exit. A session is used by
/// one thread at a time.
final class SessionPool: @unchecked Sendable {
    static let shared = SessionPool()
    private let lock = ConditionLock()
    private var idle: [DwarfSession] = []
    /// Modules (`DwarfSession.key`) the prefetcher is opening: a worker that needs one waits for it rather than
    /// opening (and inflating) it a second time.
    private var opening: Set<String> = []

    /// An idle session, preferably one that has the module `key` open already.
    func take(preferring key: String? = nil) -> DwarfSession? {
        if let key { lock.wait { !opening.contains(key) } }
        let session = lock.withLock { () -> DwarfSession? in
            if let key, let index = idle.firstIndex(where: { $0.hasModule(key) }) { return idle.remove(at: index) }
            return idle.popLast()
        }
        return session ?? DwarfSession()
    }

    func give(_ session: DwarfSession) {
        lock.withLock { idle.append(session) }
    }

    /// Opens the module at `path` in a session of the pool, unless one has it or is opening it.
    func open(path: String, lines: Bool) {
        let key = DwarfSession.key(path: path, lines: lines)
        let claimed = lock.withLock { () -> Bool in
            guard !idle.contains(where: { $0.hasModule(key) }) else { return false }
            return opening.insert(key).inserted
        }
        guard claimed else { return }
        let session = lock.withLock { idle.popLast() } ?? DwarfSession()
        if let session {
            _ = session.module(path: path, lines: lines)
            give(session)
        }
        lock.broadcast { opening.remove(key) }
    }
}

/// Hands out task indexes to workers.
private final class TaskCounter: @unchecked Sendable {
    private let lock = ConditionLock()
    private var next = 0
    func take(limit: Int) -> Int? {
        lock.withLock {
            guard next < limit else { return nil }
            defer { next += 1 }
            return next
        }
    }
}

/// One result slot per task, written by the worker that ran it.
private final class ResultSlots: @unchecked Sendable {
    private let lock = ConditionLock()
    private var slots: [ResolvedChains]
    init(count: Int) { slots = Array(repeating: ResolvedChains(), count: count) }
    func store(_ index: Int, _ value: ResolvedChains) { lock.withLock { slots[index] = value } }
    func take(_ index: Int) -> ResolvedChains { lock.withLock { slots[index] } }
}

