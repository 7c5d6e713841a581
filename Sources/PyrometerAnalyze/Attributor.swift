import PyrometerModel

/// Charges each sample of a profile to functions (docs/attribution.md): a frame is the function that owns its
/// machine code, named by its full name (unsymbolized code by its module, `[libc.so.6]`); an inlined callee is
/// detail inside its owner; in stacks that run application code on an interpreter or JIT, the runtime's native
/// frames are detail inside the innermost application frame.
public struct Attributor: Sendable {
    public var options: AttributionOptions
    public init(options: AttributionOptions = AttributionOptions()) { self.options = options }

    /// What one location contributes, worked out once per location.
    private struct LocationInfo {
        /// Frames (function-name ids) in `frameStore`, outermost first: the owner alone, every line with
        /// `inlineFunctions`, none for an inline frame perf printed separately (its owner is the frame below).
        var frames: Range<Int32>
        /// The charge when this location is the leaf: its innermost inlined callee, if any.
        var leafCharge: FunctionStacks.Charge
        var role: FrameRole
        var isInlineFrame: Bool
        /// In a module perf could not name (`[unknown]`, or a frame perf printed by its DWARF name alone): whose code
        /// it is cannot be told, so it owns no off-CPU time.
        var isUnknownModule = false
        /// The kernel's code: off-CPU time never stays in it when the stack has a user frame.
        var isKernel = false
        /// For an inline frame perf printed on its own: its function as a frame, for a stack that has no owner
        /// for it (-1 otherwise).
        var ownName: Int32 = -1
    }

    /// Folds `profile` at function granularity. From `fold`: the sample type, `skipAfter`, and `includeInline`
    /// (off: inlined callees are neither frames nor charges).
    /// - Complexity: O(samples × depth); each location is named once.
    public func functionStacks(_ profile: Profile, fold: FoldOptions) -> FunctionStacks {
        let type = fold.sampleType ?? profile.defaultSampleType
        var result = FunctionStacks(valueType: profile.sampleTypes.isEmpty
                                        ? .samples : profile.sampleTypes[type],
                                    kind: profile.sampleTypes.isEmpty ? .cpu : profile.kind(sampleType: type))
        guard !profile.sampleTypes.isEmpty else { return result }

        // Per location: its frames in one flat store (the sample loop runs on unsafe buffers; an array per location
        // costs a retain and a release per frame), its leaf charge and its role.
        var frameStore: [Int32] = []
        var infos: [LocationInfo] = []
        infos.reserveCapacity(profile.locations.count)
        var functionNames = [Int32](repeating: -1, count: profile.functions.count)
        var moduleNames = [Int32](repeating: -1, count: profile.mappings.count + 1)
        var moduleRoles = [FrameRole?](repeating: nil, count: profile.mappings.count + 1)
        var hasApplication = false
        func functionName(_ line: Line) -> Int32 {
            let function = Int(line.function)
            if functionNames[function] < 0 {
                functionNames[function] = result.intern(name: Self.name(line, profile))
            }
            return functionNames[function]
        }
        // Inlined callees by function: locations share them (every address of an inlined loop body).
        var inlinedNames = [Int32](repeating: -1, count: profile.functions.count)
        func inlinedCharge(_ line: Line) -> FunctionStacks.Charge {
            let function = Int(line.function)
            if inlinedNames[function] < 0 { inlinedNames[function] = result.internInlined(Self.name(line, profile)) }
            return .inlined(inlinedNames[function])
        }
        for location in profile.locations {
            let start = Int32(frameStore.count)
            var leafCharge = FunctionStacks.Charge.none
            let moduleIndex = location.mapping.map(Int.init) ?? profile.mappings.count
            if location.lines.isEmpty {
                if moduleNames[moduleIndex] < 0 {
                    moduleNames[moduleIndex] = result.intern(name: Self.unsymbolizedName(location, profile))
                    // A system library's (libstdc++'s start-up pool) is no site of the program's.
                    if FrameRoles.role(module: profile.mappingFile(of: location), name: nil) != .system {
                        result.unsymbolizedNames.insert(moduleNames[moduleIndex])
                    }
                }
                frameStore.append(moduleNames[moduleIndex])
            } else if options.inlineFunctions && fold.includeInline {
                for line in location.lines.reversed() { frameStore.append(functionName(line)) }
            } else if location.isInlineFrame {
                // Owned by the frame below it; a leaf charge unless inlined callees are left out.
                if fold.includeInline { leafCharge = inlinedCharge(location.lines[0]) }
            } else {
                frameStore.append(functionName(location.lines[location.lines.count - 1]))
                // An inlined callee named as its host (a file into itself under `--granularity files`) is the host.
                if location.lines.count > 1 && fold.includeInline
                    && Self.name(location.lines[0], profile) != Self.name(location.lines[location.lines.count - 1], profile) {
                    leafCharge = inlinedCharge(location.lines[0])
                }
            }
            // The role: by the module, once per module; by the name where there is none (folded `py::`, `_[j]`).
            let role: FrameRole
            if let known = moduleRoles[moduleIndex], location.mapping != nil {
                role = known
            } else {
                role = FrameRoles.role(module: profile.mappingFile(of: location),
                                       name: location.lines.last.map { profile.functionName($0) })
                if location.mapping != nil { moduleRoles[moduleIndex] = role }
            }
            hasApplication = hasApplication || role == .application
            infos.append(LocationInfo(frames: start ..< Int32(frameStore.count), leafCharge: leafCharge, role: role,
                                      isInlineFrame: location.isInlineFrame,
                                      isUnknownModule: location.mapping == nil ? location.lines.isEmpty
                                          : MappingKind(path: profile.mappingFile(of: location)) == .unknown,
                                      isKernel: Self.isKernel(location, profile),
                                      ownName: location.isInlineFrame && fold.includeInline && !location.lines.isEmpty
                                          ? functionName(location.lines[0]) : -1))
        }
        let chargesApplications = hasApplication && !options.native
        // Off-CPU samples (labelled with why the thread left the CPU): their leaf is the scheduler; they are
        // charged to the program's innermost frame, the blocking call (the system frame just above it) as detail.
        let stateKey = profile.strings.firstIndex(of: LabelKey.offCPUState)
        let offCPU = profile.labelSets.map { set in stateKey.map { key in set.contains { Int($0.key) == key } } ?? false }
        // Preempted time is a running thread's: charged where a CPU sample there would be, not to who waits.
        let preempted = profile.labelSets.map { set in
            stateKey.map { key in
                set.contains { Int($0.key) == key && ThreadState(label: profile.strings[Int($0.string)]) == .preempted }
            } ?? false
        }
        var blockingNames = [Int32](repeating: -1, count: stateKey == nil || options.native ? 0 : profile.locations.count)
        // The native name of each location when it is the leaf of a stack charged to an application frame.
        var nativeNames = [Int32](repeating: -1, count: chargesApplications ? profile.locations.count : 0)

        let skipMatch = fold.skipAfterMatches(in: profile)
        var frames: [Int32] = []
        let width = profile.sampleTypes.count
        profile.stacks.frames.withUnsafeBufferPointer { stackFrames in
        profile.stacks.offsets.withUnsafeBufferPointer { stackOffsets in
        frameStore.withUnsafeBufferPointer { store in
        infos.withUnsafeBufferPointer { infos in
        profile.values.withUnsafeBufferPointer { values in
            for (i, sample) in profile.samples.enumerated() {
                let value = values[i * width + type]
                if value == 0 { continue }
                let lowest = Int(stackOffsets[Int(sample.stack)])
                var highest = Int(stackOffsets[Int(sample.stack) + 1])
                if !skipMatch.isEmpty {
                    for index in lowest ..< highest where skipMatch[Int(stackFrames[index])] {
                        // An inline frame keeps its owner, the next frame that is not one.
                        var end = index
                        while end + 1 < highest && infos[Int(stackFrames[end])].isInlineFrame { end += 1 }
                        highest = end + 1
                        break
                    }
                }
                guard highest > lowest else {
                    result.unattributed.saturatingAdd(value)
                    continue
                }
                // Leaf first: locations [lowest, highest). `keptFrom` is the first kept location; the runtime's
                // frames between application frames, and between the innermost one and other code it runs (a C
                // extension), are dropped in the loop: they are the interpreter's machinery of a call.
                var keptFrom = lowest, glue = 0 ..< 0
                var charge = infos[Int(stackFrames[lowest])].leafCharge
                var innermostApp = -1, outermostApp = -1
                if chargesApplications {
                    for index in lowest ..< highest where infos[Int(stackFrames[index])].role == .application {
                        if innermostApp < 0 { innermostApp = index }
                        outermostApp = index
                    }
                }
                if innermostApp > lowest {
                    // Above the innermost application frame: the runtime's and the system's frames are charged to
                    // it, up to the first frame of other code (a C extension), which keeps its own.
                    var index = innermostApp - 1
                    while index >= lowest {
                        let role = infos[Int(stackFrames[index])].role
                        if role != .runtime && role != .system { break }
                        index -= 1
                    }
                    glue = index + 1 ..< innermostApp
                    if index < lowest {
                        keptFrom = innermostApp
                        let leaf = Self.ownerLocation(stackFrames, from: lowest, below: innermostApp, infos)
                        if nativeNames[leaf] < 0 {
                            nativeNames[leaf] = result.internNative(Self.nativeName(profile.locations[leaf], profile))
                        }
                        charge = .native(nativeNames[leaf])
                    }
                }
                if !blockingNames.isEmpty && innermostApp < 0 && preempted[Int(sample.labels)] {
                    // The kernel's frames are how it was preempted (a timer interrupt, a reschedule IPI): the
                    // innermost frame out of the kernel was running, and keeps its inlined callee, as on the CPU.
                    var running = lowest
                    while running < highest && infos[Int(stackFrames[running])].isKernel { running += 1 }
                    if running > lowest && running < highest {
                        keptFrom = running
                        charge = infos[Int(stackFrames[running])].leafCharge
                    }
                } else if !blockingNames.isEmpty && innermostApp < 0 && offCPU[Int(sample.labels)] {
                    var program = lowest
                    // perf's separately printed inline frames belong to the frame below them: a system one, here.
                    while program < highest, case let info = infos[Int(stackFrames[program])],
                          info.role == .system || info.isInlineFrame || info.isUnknownModule { program += 1 }
                    // No frame of the program (a frame-pointer stack that ends in libc): the blocking call in user
                    // space, at least, rather than the scheduler.
                    if program == highest {
                        program = lowest
                        while program < highest, case let info = infos[Int(stackFrames[program])],
                              info.isKernel || info.isInlineFrame { program += 1 }
                    }
                    // perf's separately printed inline frames just before the owner are its own (inlined into it).
                    var owned = program
                    while owned > lowest && owned < highest && infos[Int(stackFrames[owned - 1])].isInlineFrame { owned -= 1 }
                    if owned > lowest && program < highest {
                        keptFrom = owned
                        let call = Self.ownerLocation(stackFrames, from: Self.callerSide(stackFrames, owned, lowest, infos),
                                                      below: owned, infos)
                        if blockingNames[call] < 0 {
                            blockingNames[call] = result.internNative(Self.nativeName(profile.locations[call], profile))
                        }
                        charge = .native(blockingNames[call])
                    }
                }
                frames.removeAll(keepingCapacity: true)
                var index = highest
                while index > keptFrom {
                    index -= 1
                    let info = infos[Int(stackFrames[index])]
                    if glue.contains(index)
                        || (index > innermostApp && index < outermostApp && (info.role == .runtime || info.role == .system)) {
                        continue
                    }
                    frames.append(contentsOf: UnsafeBufferPointer(rebasing: store[Int(info.frames.lowerBound) ..< Int(info.frames.upperBound)]))
                }
                if frames.isEmpty {
                    // Only inline frames with no owner below them (folded `x_[i]` alone): they are the functions,
                    // unless inlined functions are left out.
                    for index in stride(from: highest - 1, through: keptFrom, by: -1) {
                        let name = infos[Int(stackFrames[index])].ownName
                        if name >= 0 { frames.append(name) }
                    }
                    charge = .none
                    if frames.isEmpty {
                        result.unattributed.saturatingAdd(value)
                        continue
                    }
                }
                frames.withUnsafeBufferPointer { result.add(frames: $0, charge: charge, value: value) }
            }
        }
        }
        }
        }
        }
        return result
    }

    /// The first location from `from` (leaf side) up to `end` that owns code: perf's separately printed inline
    /// frames belong to the frame below them.
    private static func ownerLocation(_ stack: UnsafeBufferPointer<LocationID>, from: Int, below end: Int,
                                      _ infos: UnsafeBufferPointer<LocationInfo>) -> Int {
        var index = from
        while index < end - 1 && infos[Int(stack[index])].isInlineFrame { index += 1 }
        return Int(stack[index])
    }

    /// The first location of the system frame just above `program` (the call the program made): perf's separately
    /// printed inline frames of that call come before its owner, leaf side.
    private static func callerSide(_ stack: UnsafeBufferPointer<LocationID>, _ program: Int, _ lowest: Int,
                                   _ infos: UnsafeBufferPointer<LocationInfo>) -> Int {
        var index = program - 1
        while index > lowest && infos[Int(stack[index - 1])].isInlineFrame { index -= 1 }
        return index
    }

    /// A function's full name, without folded text's `_[i]`/`_[k]`/`_[j]` marks (they are roles, not names), and
    /// without a compiler's clone suffix (`.constprop.0`): a copy of a function is that function.
    static func name(_ line: Line, _ profile: Profile) -> String {
        CompilerClone.owner(of: FrameAnnotation.stripped(profile.functionName(line)))
    }

    /// Whether a location is the kernel's: by its module, or folded text's `_[k]` where it has none.
    static func isKernel(_ location: Location, _ profile: Profile) -> Bool {
        location.mapping != nil ? ModuleKind.isKernel(profile.mappingFile(of: location))
            : location.lines.last.flatMap { FrameAnnotation.of(profile.functionName($0)) } == .kernel
    }

    /// The native function a leaf location stands for: its owning function, else its module.
    private static func nativeName(_ location: Location, _ profile: Profile) -> String {
        if let line = location.lines.last { return name(line, profile) }
        return unsymbolizedName(location, profile)
    }

    /// Code without a symbol counts per module (`[libc.so.6]`), as pprof's function granularity does.
    private static func unsymbolizedName(_ location: Location, _ profile: Profile) -> String {
        let file = profile.mappingFile(of: location)
        return file.isEmpty ? "[unknown]" : "[" + ModuleKind.basename(file) + "]"
    }
}
