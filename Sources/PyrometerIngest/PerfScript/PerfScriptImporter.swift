import Dispatch
import PyrometerModel

/// Reads `perf script` text: every event becomes a sample type (values weighted by the event period when perf
/// prints one, else 1 per sample); `comm`, `pid` and `tid` become labels. The first event in the file is the
/// default sample type, as inferno folds only the first event it sees.
///
/// The input is read in blocks (`ImportOptions.blockSize`); each block is cut at blank lines into one part per
/// worker and the parts are parsed in parallel, each worker into its own builder; the builders are merged at the end.
public struct PerfScriptImporter: ProfileImporter {
    public static let formatName = "perf-script"

    public init() {}

    /// Yes when the first header line parses and the next non-blank line is a frame line (or the header carries
    /// its own one-frame stack), as inferno's format guesser decides.
    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        guard let base = prefix.baseAddress else { return isComplete ? .no : .needMoreBytes }
        var position = 0
        var sawHeader = false
        while position < prefix.count {
            let lineEnd = Bytes.find(Bytes.newline, in: base, from: position, to: prefix.count)
            if lineEnd == prefix.count && !isComplete { return .needMoreBytes }
            var start = position, stop = lineEnd
            let startsWithTab = start < stop && base.load(fromByteOffset: start, as: UInt8.self) == UInt8(ascii: "\t")
            position = lineEnd + 1
            while start < stop && Bytes.isWhitespace(base.load(fromByteOffset: start, as: UInt8.self)) { start += 1 }
            while stop > start && Bytes.isWhitespace(base.load(fromByteOffset: stop - 1, as: UInt8.self)) { stop -= 1 }
            if start < stop && base.load(fromByteOffset: start, as: UInt8.self) == Bytes.hash { continue }
            if start == stop {
                sawHeader = false
                continue
            }
            if sawHeader {
                return PerfScriptGrammar.stackLineParts(base, start, stop) != nil ? .yes : .no
            }
            // `perf script -F ip,dso`: call chains of `addr (module)` frames without headers.
            if startsWithTab, PerfScriptGrammar.stackLineParts(base, start, stop)?.moduleOnly == true { return .yes }
            guard let header = PerfScriptGrammar.eventLineParts(base, start, stop) else { return .no }
            // `--show-lost-events` prints perf's LOST records as headers of their own, without a stack.
            if PerfScriptProbes.lostEvents(base, header.end, stop) != nil { return .yes }
            sawHeader = true
        }
        return isComplete ? .no : .needMoreBytes
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        let workerCount = max(1, options.threads)
        var workers = (0 ..< workerCount).map { _ in PerfScriptParser(keepAddresses: options.keepAddresses, demangle: options.demangle) }
        var linesBefore = 0
        var firstEvent: String?
        var weirdEvents = SkippedSummary(kind: "weird event line (expected `comm pid/tid ... event:`)")
        var weirdStacks = SkippedSummary(kind: "weird stack line (expected `addr symbol (module)`)")
        var openOffCPU: [UInt32: (owner: Int, blocked: OffCPUTracker<PerfScriptWallClock.Slot>.Blocked)] = [:]
        var runningAtEnd: [UInt32: (owner: Int, slot: PerfScriptRuntime.Slot)] = [:]  // PerfScriptRuntime

        let reader = BlockReader(
            lastBoundary: { Bytes.lastBlankLineEnd($0, before: $0.count) },
            recordTooLarge: { size in
                ProfileError(.malformed, "no blank line in \(size) bytes: expected samples separated by blank lines",
                             file: input.name, line: linesBefore + 1)
            })
        try reader.forEachBlock(of: input, options: options) { bytes throws(ProfileError) in
            let usable = bytes.count
            // Cut the block into one part per worker at blank lines; tiny blocks go to one worker.
            var cuts = [0]
            if usable >= 2048 {
                for k in 1 ..< workerCount {
                    let target = usable * k / workerCount
                    if let cut = Bytes.lastBlankLineEnd(bytes, before: target, after: cuts.last!), cut > cuts.last! {
                        cuts.append(cut)
                    }
                }
            }
            cuts.append(usable)
            let parts = cuts.count - 1
            if parts == 1 {
                workers[0].parse(UnsafeRawBufferPointer(rebasing: bytes[0 ..< usable]))
            } else {
                workers.withUnsafeMutableBufferPointer { pool in
                    let shared = SharedWorkers(pool: pool, bytes: bytes, cuts: cuts)
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        // Each iteration touches only its own worker and its own slice of the block.
                        shared.pool[part].parse(
                            UnsafeRawBufferPointer(rebasing: shared.bytes[shared.cuts[part] ..< shared.cuts[part + 1]]))
                    }
                }
            }
            // Off-CPU intervals across chunks, in the chunks' order: the first line of a thread in a chunk closes
            // its interval left open by an earlier one.
            for part in 0 ..< parts {
                for (tid, interval) in openOffCPU {
                    guard let seen = workers[part].wall.firstSeen[tid] else { continue }
                    workers[interval.owner].chargeOffCPU(interval.blocked.slot, seen >= interval.blocked.start ? seen - interval.blocked.start : 0)
                    openOffCPU[tid] = nil
                }
                for (tid, blocked) in workers[part].takeOpenOffCPU() { openOffCPU[tid] = (part, blocked) }
                for (tid, first) in workers[part].runtime.held {
                    let (owner, slot) = runningAtEnd[tid] ?? (part, first.slot)
                    workers[owner].chargeRuntime(slot, first.nanoseconds)
                }
                for (tid, end) in workers[part].runtime.endOfChunk() { runningAtEnd[tid] = end.map { (part, $0) } }
            }
            for part in 0 ..< parts {
                if firstEvent == nil { firstEvent = workers[part].firstEventInChunk }
                weirdEvents.add(workers[part].weirdEventLines, linesBefore: linesBefore)
                weirdStacks.add(workers[part].weirdStackLines, linesBefore: linesBefore)
                linesBefore += workers[part].linesInChunk
            }
        }

        // Threads still off the CPU when the recording ended: charged up to its last line.
        let end = workers.map(\.wall.tracker.latest).max() ?? 0
        for interval in openOffCPU.values {
            workers[interval.owner].chargeOffCPU(interval.blocked.slot, end >= interval.blocked.start ? end - interval.blocked.start : 0)
        }
        var builder = workers[0].builder
        // Types a worker added outside its events (off-CPU time) have no entry of their own.
        var hasPeriod = workers[0].typeHasPeriod
        hasPeriod += repeatElement(false, count: max(0, builder.sampleTypes.count - hasPeriod.count))
        for worker in workers.dropFirst() {
            let profile = worker.builder.build()
            let before = builder.sampleTypes.count
            builder.merge(profile)
            hasPeriod.append(contentsOf: repeatElement(false, count: builder.sampleTypes.count - before))
            for (i, type) in profile.sampleTypes.enumerated() where i < worker.typeHasPeriod.count && worker.typeHasPeriod[i] {
                hasPeriod[builder.sampleTypes.firstIndex(of: type)!] = true
            }
        }
        // Sample counts of period-weighted events: `samples` when there is one such event (pprof's name for it).
        let countTypes = builder.sampleTypes.indices.filter {
            builder.sampleTypes[$0].type.hasSuffix(PerfScriptParser.sampleCountSuffix)
        }
        for i in builder.sampleTypes.indices
        where ![.allocatedSpace, .allocatedObjects, WallClock.offCPU, WallClock.cpu].contains(builder.sampleTypes[i]) {
            var name = builder.sampleTypes[i].type
            if countTypes == [i] || name.isEmpty { name = ValueType.samples.type }
            builder.sampleTypes[i] = PerfEvents.valueType(of: name, weighted: hasPeriod[i])
        }
        // Events in the order perf printed them, their sample counts after them.
        builder.reorderSampleTypes(builder.sampleTypes.indices.filter { !countTypes.contains($0) } + countTypes)
        if let firstEvent, let index = builder.sampleTypes.firstIndex(where: {
            $0.type == (firstEvent.isEmpty ? ValueType.samples.type : firstEvent)
        }) {
            builder.defaultSampleType = index
        }
        var diagnostics = [weirdEvents, weirdStacks].compactMap { $0.diagnostic(file: input.name) }
        // The same traits and warning as the perf.data reader's, from the lost-event lines perf script prints with
        // --show-lost-events.
        let lost = max(workers.reduce(0) { $0 &+ $1.lostRecords }, workers.reduce(0) { $0 &+ $1.lostSamples })
        if lost > 0 {
            builder.sourceTraits.insert(.eventsLost)
            diagnostics.append(Diagnostic(kind: PerfEvents.lostWarning(lost), count: 0, firstFile: input.name,
                                          firstLine: nil, example: ""))
        }
        if workers.contains(where: \.sawAllocationProbe) {
            builder.sourceTraits.insert(.allocatorFramesAtLeaves)
            if lost == 0 { builder.sourceTraits.insert(.exactAllocationCounts) }
        }
        return ImportResult(profile: WallClock.addingWallTime(builder.build()), diagnostics: diagnostics)
    }
}

/// Skipped lines of one kind over a whole input.
struct SkippedSummary {
    var kind: String
    var count = 0
    var firstLine: Int?
    var example = ""

    mutating func add(_ skipped: PerfScriptParser.SkippedLines, linesBefore: Int) {
        if firstLine == nil, let line = skipped.firstLineInChunk {
            firstLine = linesBefore + line
            example = skipped.example
        }
        count += skipped.count
    }

    func diagnostic(file: String) -> Diagnostic? {
        count == 0 ? nil : Diagnostic(kind: kind, count: count, firstFile: file, firstLine: firstLine,
                                      example: example)
    }
}

/// The workers and the block handed to `concurrentPerform` while the importer waits for it: iteration `i` uses
/// only `pool[i]` and `bytes[cuts[i] ..< cuts[i + 1]]`, so no two threads touch the same memory.
private struct SharedWorkers: @unchecked Sendable {
    let pool: UnsafeMutableBufferPointer<PerfScriptParser>
    let bytes: UnsafeRawBufferPointer
    let cuts: [Int]
}
