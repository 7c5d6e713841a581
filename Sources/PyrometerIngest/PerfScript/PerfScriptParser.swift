import PyrometerDemangle
import PyrometerModel

/// One worker's state for parsing `perf script` text: its own builder and byte-keyed caches, so workers never
/// share mutable state. Chunks handed to a worker start and end at sample boundaries (blank lines).
///
/// A struct rather than a class: the hot loop mutates its caches on every frame line, and stored properties of a
/// class pay a dynamic exclusivity check per access (13% of `pyrometer fold`'s time in a profile).
///
/// The grammar follows inferno's `collapse-perf` (and FlameGraph's `stackcollapse-perf.pl`), byte for byte:
/// - a header line `comm [pid/]tid [cpu] time: [period] event[:mods]: [single-line stack]`,
/// - frame lines `addr symbol[+0xoff] (module)`, leaf first,
/// - a blank line ends the sample; lines starting with `#` are comments.
struct PerfScriptParser {
    private(set) var builder = ProfileBuilder(sampleTypes: [], sourceFormat: PerfScriptImporter.formatName,
                                              sourceTraits: [.countsAreSamples, .namesAreStackText])
    private let keepAddresses: Bool
    private let demangle: Bool

    /// Frame lines (`symbol+off (module)`, with the leading `addr` only where the address is kept) → location id,
    /// or -1 for a line that is not a frame (a parenthesized process name). Most lines repeat exactly, so most are
    /// resolved with one hash and one compare.
    private var frameLines = [ByteTable(capacity: 4096), ByteTable(capacity: 16)]  // [not Java, Java]
    /// The location behind a frame line: (Java?, symbol without offset, module[, address]) → location id.
    private var locationKeys = ByteTable(capacity: 4096)
    private var headerKeys = ByteTable(capacity: 256)
    private var eventKeys = ByteTable(capacity: 8)
    /// Module path → mapping id (-1: none, for `[unknown]` and `inlined`): every frame of a module has one.
    private var moduleMappings = ByteTable(capacity: 64)
    /// Whether the process of a label set is a JVM (`comm` starts with "java"): Java frames are tidied.
    private var labelSetIsJava: [Bool] = [false]
    /// Per sample type: whether any sample gave a period (then values are event counts or nanoseconds).
    private(set) var typeHasPeriod: [Bool] = []
    /// Per event type whose samples carry periods: the type counting its samples (`EVENT samples`), which the
    /// significance tests of a diff need, as periods weigh samples unequally.
    private var sampleCountType: [Int: Int] = [:]
    static let sampleCountSuffix = ValueType.sampleCountSuffix
    /// The first event name this worker saw in the current chunk, for the file-wide default sample type.
    private(set) var firstEventInChunk: String?

    /// Which locations are inline frames perf printed on their own (`mix (inlined)`), by location id.
    private var isInlineFrame: [Bool] = []
    /// An `(inlined)` frame whose next frame has another address is no inline frame: perf printed the function's
    /// DWARF name in place of its symbol (`__libc_start_main_impl (inlined)` for `__libc_start_main`). Such
    /// locations as plain frames, by the inline frame's location id.
    private var renamedFrames: [LocationID] = []  // by location id; -1 until made
    /// The module of renamed frames: perf printed none, but the code is a program's (not an interpreter's).
    private var unknownModule: MappingID?
    /// The position in `stack` of the last frame when it is an inline frame, and its address.
    private var pendingInline = -1
    private var pendingAddress: UInt64 = 0

    /// Allocation probes (`AllocationProbe`) by the events' cache entries: an event key's value -2 - i is probe i.
    private var allocationProbes: [(size: [UInt8], count: [UInt8]?)] = []
    /// The sample types of allocation probes, once one was seen.
    private var allocationTypes: (space: Int, objects: Int)?
    /// Events perf lost (`--show-lost-events` lines), over every chunk, as LOST records and as LOST_SAMPLES ones
    /// count them: two views of one loss, so the larger counts (as in perf.data).
    private(set) var lostRecords: UInt64 = 0, lostSamples: UInt64 = 0
    /// Off-CPU time from `sched:sched_switch` lines.
    private(set) var wall = PerfScriptWallClock()
    /// On-CPU time from `sched:sched_stat_runtime` lines, off-CPU time from `offcpu-time` ones.
    private(set) var runtime = PerfScriptRuntime()
    /// The time of the current header line, when it has one.
    private var time: UInt64?

    // The sample being read.
    private var inEvent = false
    private var stack: [LocationID] = []
    private var labels: LabelSetID = 0
    private var isJava = false
    private var eventType = -1
    private var period: UInt64?
    private var key: [UInt8] = []
    /// The bytes of an allocation probe's call, while its stack is read; its leaf (the probed allocator's frames,
    /// at the first address) is dropped while `probedAddress` is not known or equal.
    private var allocationBytes: Int64?
    private var droppingProbedFunction = false
    private var probedAddress: UInt64?
    private var droppedProbedLeaf = false

    // Lines of the current chunk, and where the skipped ones were (line numbers relative to the chunk).
    private(set) var linesInChunk = 0
    private(set) var weirdEventLines = SkippedLines()
    private(set) var weirdStackLines = SkippedLines()

    struct SkippedLines {
        var count = 0
        var firstLineInChunk: Int?
        var example = ""
    }

    init(keepAddresses: Bool, demangle: Bool) {
        self.keepAddresses = keepAddresses
        self.demangle = demangle
    }

    /// Parses `chunk`, which starts at a sample boundary; a sample still open at its end is finished.
    mutating func parse(_ chunk: UnsafeRawBufferPointer) {
        linesInChunk = 0
        wall.startChunk()
        runtime.startChunk()
        weirdEventLines = SkippedLines()
        weirdStackLines = SkippedLines()
        firstEventInChunk = nil
        guard let base = chunk.baseAddress else { return }
        let end = chunk.count
        var position = 0
        while position < end {
            let lineEnd = Bytes.find(Bytes.newline, in: base, from: position, to: end)
            let start = position
            position = lineEnd + 1
            linesInChunk += 1
            if base.load(fromByteOffset: start, as: UInt8.self) == Bytes.hash { continue }
            var stop = lineEnd
            while stop > start && Bytes.isWhitespace(base.load(fromByteOffset: stop - 1, as: UInt8.self)) { stop -= 1 }
            if stop == start {
                finishSample()
            } else if inEvent {
                onStackLine(base, start, stop)
            } else if base.load(fromByteOffset: start, as: UInt8.self) == UInt8(ascii: "\t"),
                      let parts = PerfScriptGrammar.stackLineParts(base, start, stop), parts.moduleOnly {
                // A frame with no header before it: `perf script -F ip,dso` prints only the call chains.
                startHeaderlessSample(base)
                onStackLine(base, start, stop)
            } else {
                onEventLine(base, start, stop)
                if !stack.isEmpty { finishSample() }
            }
        }
        if !stack.isEmpty { finishSample() }
        inEvent = false
        stack.removeAll(keepingCapacity: true)
        pendingInline = -1
        period = nil
    }

    // MARK: - Header lines

    /// A sample without a header line: no comm, pid or tid; one count per sample in a `samples` type.
    private mutating func startHeaderlessSample(_ base: UnsafeRawPointer) {
        inEvent = true
        labels = 0
        isJava = false
        period = nil
        let noEvent = UnsafeRawBufferPointer(start: base, count: 0)  // the key of a header without an event name
        if let cached = eventKeys.find(noEvent) {
            eventType = Int(cached)
        } else {
            eventType = builder.addSampleType(ValueType(type: "", unit: ""))
            typeHasPeriod.append(false)
            eventKeys.insert(noEvent, value: Int32(eventType))
        }
        if firstEventInChunk == nil { firstEventInChunk = "" }
    }

    private mutating func onEventLine(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) {
        inEvent = true
        guard let parts = PerfScriptGrammar.eventLineParts(base, start, stop) else {
            note(\.weirdEventLines, base, start, stop)
            inEvent = false
            return
        }
        // Label set, cached by the raw bytes of `comm pid/tid `.
        let headerBytes = UnsafeRawBufferPointer(start: base + start, count: parts.end - start)
        if let cached = headerKeys.find(headerBytes) {
            labels = cached
        } else {
            var labelList = [Label(key: builder.intern(LabelKey.command),
                                   string: builder.intern(Bytes.string(base, parts.comm.lowerBound,
                                                                       parts.comm.upperBound)))]
            if let pid = parts.pid {
                labelList.append(Label(key: builder.intern(LabelKey.process),
                                       string: builder.intern(Bytes.string(base, pid.lowerBound, pid.upperBound))))
            }
            labelList.append(Label(key: builder.intern(LabelKey.thread),
                                   string: builder.intern(Bytes.string(base, parts.tid.lowerBound,
                                                                       parts.tid.upperBound))))
            labels = builder.intern(labels: labelList)
            while labelSetIsJava.count <= Int(labels) { labelSetIsJava.append(false) }
            labelSetIsJava[Int(labels)] = PerfScriptGrammar.hasPrefix(base, parts.comm, "java")
            headerKeys.insert(headerBytes, value: labels)
        }
        isJava = labelSetIsJava[Int(labels)]

        if let lost = PerfScriptProbes.lostEvents(base, parts.end, stop) {
            if lost.samples { lostSamples &+= lost.count } else { lostRecords &+= lost.count }
            inEvent = false
            return
        }
        time = PerfScriptWallClock.time(base, parts.end, stop)
        // perf's placeholder time of `offcpu-time` samples written at the end is no time of the recording.
        if let time, time < WallClock.placeholderTime,
           let tid = Bytes.parseDecimal(base, parts.tid.lowerBound, parts.tid.upperBound) {
            wall.seen(UInt32(truncatingIfNeeded: tid), at: time, builder: &builder)
        }
        let tail = PerfScriptGrammar.eventTail(base, parts.end, stop)
        period = tail.period
        allocationBytes = nil
        droppingProbedFunction = false
        probedAddress = nil
        droppedProbedLeaf = false
        // The event as perf printed it, up to the space after it (`cycles:ppp:`, `sched:sched_switch:`), named by
        // the rule the perf.data reader uses too.
        let event = tail.event.map { $0.lowerBound ..< Bytes.find(Bytes.space, in: base, from: $0.lowerBound, to: stop) }
            ?? (stop ..< stop)
        let eventBytes = UnsafeRawBufferPointer(start: base + event.lowerBound, count: event.count)
        var cached = eventKeys.find(eventBytes)
        if cached == nil {
            let name = PerfEvents.name(Bytes.string(base, event.lowerBound, event.upperBound))
            if PerfEvents.isTracepoint(name), let fields = tail.singleLineStack,
               let arguments = PerfScriptProbes.argumentNames(base, fields),
               let probe = AllocationProbe(arguments: arguments) {
                allocationProbes.append((Array(probe.size.utf8), probe.count.map { Array($0.utf8) }))
                cached = Int32(-1 - allocationProbes.count)
            } else {
                cached = Int32(builder.sampleTypes.firstIndex { $0.type == name }
                    ?? builder.addSampleType(ValueType(type: name, unit: "")))
                while typeHasPeriod.count < builder.sampleTypes.count { typeHasPeriod.append(false) }
                if name == WallClock.switchEvent { wall.switchType = Int(cached!) }
                if name == WallClock.runtimeEvent { runtime.runtimeType = Int(cached!) }
                if name == WallClock.offCPUTimeEvent { runtime.offCPUTimeType = Int(cached!) }
            }
            eventKeys.insert(eventBytes, value: cached!)
        }
        if let cached, cached <= -2 {
            guard let fields = tail.singleLineStack else {
                eventType = -1
                return
            }
            readAllocationProbe(allocationProbes[Int(-2 - cached)], base, fields)
        } else if let cached {
            eventType = Int(cached)
            if eventType == wall.switchType, let time, let fields = tail.singleLineStack {
                wall.switchLine(base, fields, time: time, builder: &builder)
                if let leaving = wall.pendingSwitch { runtime.switchedOut(leaving.tid, state: leaving.state) }
            } else if eventType == runtime.runtimeType, let fields = tail.singleLineStack,
                      let nanoseconds = PerfScriptProbes.argument(base, fields, PerfScriptRuntime.runtimeField, probe: false),
                      let tid = Bytes.parseDecimal(base, parts.tid.lowerBound, parts.tid.upperBound) {
                runtime.pending = (UInt32(truncatingIfNeeded: tid), nanoseconds)
            }
        }
        if firstEventInChunk == nil {
            firstEventInChunk = builder.sampleTypes[eventType].type
        }
        // A tracepoint's text after its name is its fields, never a stack.
        if let single = tail.singleLineStack, allocationBytes == nil,
           !PerfEvents.isTracepoint(builder.sampleTypes[eventType].type) {
            onStackLine(base, single.lowerBound, single.upperBound)
            inEvent = false
        }
    }

    /// Makes the sample an allocation of the bytes its probe's arguments give.
    private mutating func readAllocationProbe(_ probe: (size: [UInt8], count: [UInt8]?), _ base: UnsafeRawPointer,
                                              _ fields: Range<Int>) {
        if allocationTypes == nil {
            let space = builder.sampleTypes.firstIndex(of: .allocatedSpace) ?? builder.addSampleType(.allocatedSpace)
            let objects = builder.sampleTypes.firstIndex(of: .allocatedObjects)
                ?? builder.addSampleType(.allocatedObjects)
            while typeHasPeriod.count < builder.sampleTypes.count { typeHasPeriod.append(false) }
            allocationTypes = (space, objects)
        }
        eventType = allocationTypes!.space
        let size = PerfScriptProbes.argument(base, fields, probe.size) ?? 0
        let count = probe.count.map { PerfScriptProbes.argument(base, fields, $0) ?? 0 }
        allocationBytes = AllocationProbe.bytes(size: size, count: count)
        droppingProbedFunction = true
    }

    // MARK: - Frame lines

    private mutating func onStackLine(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) {
        var from = start
        while from < stop && Bytes.isWhitespace(base.load(fromByteOffset: from, as: UInt8.self)) { from += 1 }
        // Where an address does not matter (it is kept only for unsymbolized frames of a known module), the key
        // leaves it out, so that e.g. the garbage frames of a broken frame-pointer chain share one entry.
        var keyStart = from
        if !keepAddresses {
            let space = Bytes.find(Bytes.space, in: base, from: from, to: stop)
            if space < stop {
                let rest = space + 1 ..< stop
                // `[unknown] (module)` and `perf script -F ip,dso`'s `(module)` frames keep their addresses.
                let unknownInModule = (PerfScriptGrammar.hasPrefix(base, rest, "[unknown] (")
                                       || PerfScriptGrammar.hasPrefix(base, rest, "("))
                    && !PerfScriptGrammar.hasSuffix(base, rest, "([unknown])")
                if !unknownInModule {
                    keyStart = space + 1
                }
            }
        }
        if droppingProbedFunction {
            // The probed function's frames: those at the first frame's address (its inline chain, if printed).
            let address = Bytes.parseHex(base, from, Bytes.find(Bytes.space, in: base, from: from, to: stop))
            if !droppedProbedLeaf || (address != nil && address == probedAddress) {
                droppedProbedLeaf = true
                probedAddress = address
                return
            }
            droppingProbedFunction = false
        }
        let line = UnsafeRawBufferPointer(start: base + keyStart, count: stop - keyStart)
        let table = isJava ? 1 : 0
        let location: LocationID
        if let cached = frameLines[table].find(line) {
            location = cached
        } else {
            guard let resolved = resolveFrameLine(base, from, stop) else { return }
            frameLines[table].insert(line, value: resolved)
            location = resolved
        }
        guard location >= 0 else { return }
        let inline = Int(location) < isInlineFrame.count && isInlineFrame[Int(location)]
        if inline || pendingInline >= 0 {
            // Only DWARF call chains print inline frames: the address is read for them and the frame after them.
            let space = Bytes.find(Bytes.space, in: base, from: from, to: stop)
            let address = Bytes.parseHex(base, from, space) ?? 0
            if pendingInline >= 0 && address != pendingAddress { settleRenamedFrame() }
            pendingInline = inline ? stack.count : -1
            pendingAddress = address
        }
        stack.append(location)
    }

    /// The pending `(inlined)` frame is not followed by a frame at its address: it is a renamed function frame.
    private mutating func settleRenamedFrame() {
        let inline = Int(stack[pendingInline])
        while renamedFrames.count <= inline { renamedFrames.append(-1) }
        if renamedFrames[inline] < 0 {
            var plain = builder.location(LocationID(inline))
            plain.isInlineFrame = false
            if unknownModule == nil { unknownModule = builder.intern(Mapping(file: builder.intern("[unknown]"))) }
            plain.mapping = unknownModule
            renamedFrames[inline] = builder.intern(plain)
        }
        stack[pendingInline] = renamedFrames[inline]
        pendingInline = -1
    }

    /// Parses a frame line seen for the first time: its location id, -1 when it is not a frame, nil when the line
    /// is malformed (noted as a weird stack line, and not cached so that every occurrence is counted).
    private mutating func resolveFrameLine(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int) -> LocationID? {
        guard let parts = PerfScriptGrammar.stackLineParts(base, start, stop) else {
            note(\.weirdStackLines, base, start, stop)
            return nil
        }
        var symbol = parts.symbol
        // `symbol+0x1f` → `symbol`, when everything after `+0x` is hex.
        if let plus = PerfScriptGrammar.lastOffsetMarker(base, symbol) { symbol = symbol.lowerBound ..< plus }
        // A "symbol" in parentheses is a process name, not a frame (FlameGraph's rule). An empty one (`+0x10`
        // alone) stays an empty frame, as in inferno. FlameGraph and inferno drop every symbol that starts with
        // `(`, C++'s `(anonymous namespace)::f` too; here it must also end with `)`, so such functions stay.
        if symbol.count >= 2 && base.load(fromByteOffset: symbol.lowerBound, as: UInt8.self) == UInt8(ascii: "(")
            && base.load(fromByteOffset: symbol.upperBound - 1, as: UInt8.self) == UInt8(ascii: ")") {
            return -1
        }
        let isUnknown = parts.moduleOnly || PerfScriptGrammar.equals(base, symbol, "[unknown]")
        // The address of an unsymbolized frame matters for a symbolizer only when its module is known; garbage
        // frames of a broken frame-pointer chain (`7f89... [unknown] ([unknown])`) would otherwise make nearly
        // every stack unique.
        let keepsAddress = keepAddresses
            || (isUnknown && !PerfScriptGrammar.equals(base, parts.module, "[unknown]"))
        key.removeAll(keepingCapacity: true)
        key.append(isJava ? 1 : 0)
        key.append(contentsOf: UnsafeRawBufferPointer(start: base + symbol.lowerBound, count: symbol.count))
        key.append(0)
        key.append(contentsOf: UnsafeRawBufferPointer(start: base + parts.module.lowerBound, count: parts.module.count))
        if keepsAddress {
            key.append(0)
            key.append(contentsOf: UnsafeRawBufferPointer(start: base + parts.address.lowerBound,
                                                          count: parts.address.count))
        }
        if let cached = key.withUnsafeBytes({ locationKeys.find($0) }) { return cached }
        let moduleBytes = UnsafeRawBufferPointer(start: base + parts.module.lowerBound, count: parts.module.count)
        let mapping: MappingID?
        if let known = moduleMappings.find(moduleBytes) {
            mapping = known < 0 ? nil : known
        } else {
            let module = Bytes.string(base, parts.module.lowerBound, parts.module.upperBound)
            mapping = module == "[unknown]" || module == "inlined" ? nil : builder.intern(Mapping(file: builder.intern(module)))
            moduleMappings.insert(moduleBytes, value: mapping ?? -1)
        }
        let location = makeLocation(symbol: parts.moduleOnly ? "[unknown]" : Bytes.string(base, symbol.lowerBound, symbol.upperBound),
                                    module: isUnknown ? "" : Bytes.string(base, parts.module.lowerBound, parts.module.upperBound),
                                    mapping: mapping,
                                    address: keepsAddress
                                        ? Bytes.parseHex(base, parts.address.lowerBound, parts.address.upperBound) : nil,
                                    isUnknown: isUnknown)
        key.withUnsafeBytes { locationKeys.insert($0, value: location) }
        return location
    }

    private mutating func makeLocation(symbol: String, module: String, mapping: MappingID?, address: UInt64?,
                                       isUnknown: Bool) -> LocationID {
        let isInlineFrame = module == "inlined"
        if isUnknown {
            return builder.intern(Location(mapping: mapping, address: address ?? 0, lines: []))
        }
        // `a->b->c` is an inline chain printed outermost first; lines are innermost first.
        let raw = PerfSymbols.repairRustSymbol(symbol)
        let pieces = PerfScriptGrammar.splitInlineChain(raw)
        var lines: [Line] = []
        for (position, piece) in pieces.enumerated().reversed() {
            // perf demangles C++ and Rust but not Swift (nor anything with --no-demangle).
            if piece != "[unknown]", demangle, let function = SymbolNames.demangledFunction(piece, into: &builder) {
                lines.append(Line(function: builder.intern(function)))
                continue
            }
            let printed = piece == "[unknown]"
                ? "[\(module == "[unknown]" ? "unknown" : module.lastIndex(of: "/").map { String(module[module.index(after: $0)...]) } ?? module)]"
                : piece
            // The name as perf printed it is the function; the label folded stacks show is inferno's tidying
            // of it (no parameter lists; a Java class path without its `L`).
            let name = isJava ? ShortName.javaMethod(printed) : ShortName.withoutV8Tier(ShortName.withoutSemicolons(printed))
            let label = ShortName.withoutParameters(isJava ? name : ShortName.withoutSemicolons(printed))
            // The symbol as perf printed it (parameters, the whole inline chain) stays the function's system name:
            // `--skip-after` matches it as inferno does.
            let systemName = position == 0 && raw != name ? builder.intern(raw) : 0
            lines.append(Line(function: builder.intern(Function(
                name: builder.intern(name), systemName: systemName, shortName: label == name ? 0 : builder.intern(label)))))
        }
        let id = builder.intern(Location(mapping: mapping, address: address ?? 0, lines: lines,
                                         isInlineFrame: isInlineFrame))
        if isInlineFrame {
            while self.isInlineFrame.count <= Int(id) { self.isInlineFrame.append(false) }
            self.isInlineFrame[Int(id)] = true
        }
        return id
    }

    // MARK: - Samples

    private mutating func finishSample() {
        if pendingInline >= 0 { settleRenamedFrame() }
        if !stack.isEmpty && eventType >= 0 {
            let id = stack.withUnsafeBufferPointer { builder.intern(stack: $0) }
            if let allocationBytes, let allocationTypes {
                builder.add(stack: id, labels: labels, type: allocationTypes.space, value: allocationBytes,
                            countType: allocationTypes.objects)
            } else if let period {
                typeHasPeriod[eventType] = true
                let countType: Int
                if let known = sampleCountType[eventType] {
                    countType = known
                } else {
                    countType = builder.addSampleType(ValueType(
                        type: builder.sampleTypes[eventType].type + Self.sampleCountSuffix, unit: ""))
                    typeHasPeriod.append(false)
                    sampleCountType[eventType] = countType
                }
                builder.add(stack: id, labels: labels, type: eventType, value: Int64(clamping: period),
                            countType: countType)
            } else {
                builder.add(stack: id, labels: labels, type: eventType, value: 1)
            }
            wall.finishSample(stack: id, labels: labels, builder: &builder)
            runtime.finishSample(stack: stack, labels: labels, builder: &builder)
            if eventType == runtime.offCPUTimeType, let period {
                let state = builder.offCPULabels(labels, WallClock.offCPUTimeState, cache: &wall.stateLabels)
                wall.charge((id, state), period, builder: &builder)
            }
        }
        wall.pendingSwitch = nil
        runtime.pending = nil
        inEvent = false
        stack.removeAll(keepingCapacity: true)
        period = nil
        allocationBytes = nil
        droppingProbedFunction = false
        probedAddress = nil
        droppedProbedLeaf = false
    }

    /// Charges an off-CPU interval that a later chunk closed to this worker's stack.
    mutating func chargeOffCPU(_ slot: PerfScriptWallClock.Slot, _ nanoseconds: UInt64) {
        wall.charge(slot, nanoseconds, builder: &builder)
    }

    /// On-CPU time of a runtime update that a later chunk placed at this worker's slot.
    mutating func chargeRuntime(_ slot: PerfScriptRuntime.Slot, _ nanoseconds: UInt64) {
        runtime.charge(slot, nanoseconds, builder: &builder)
    }

    /// The off-CPU intervals still open at the end of this worker's chunk.
    mutating func takeOpenOffCPU() -> [UInt32: OffCPUTracker<PerfScriptWallClock.Slot>.Blocked] {
        wall.takeOpen()
    }

    /// Whether any sample was an allocation probe's.
    var sawAllocationProbe: Bool { allocationTypes != nil }

    private mutating func note(_ kind: WritableKeyPath<PerfScriptParser, SkippedLines>, _ base: UnsafeRawPointer,
                               _ start: Int, _ stop: Int) {
        if self[keyPath: kind].count == 0 {
            var from = start
            while from < stop && Bytes.isWhitespace(base.load(fromByteOffset: from, as: UInt8.self)) { from += 1 }
            self[keyPath: kind].firstLineInChunk = linesInChunk
            self[keyPath: kind].example = Bytes.string(base, from, min(stop, from + 120))
        }
        self[keyPath: kind].count += 1
    }
}
