import PyrometerModel

/// Folds a profile into `FoldedStacks`: names every frame the way inferno's `collapse-perf` does and sums values
/// per stack of names.
public struct Folder: Sendable {
    public var options: FoldOptions

    public init(options: FoldOptions = FoldOptions()) {
        self.options = options
    }

    /// Folds one sample type of `profile` (the option's, else the profile's default). With `mergingEqualStacks`
    /// false, each sample of the profile stays a stack of its own (see `FoldedStacks.mergesEqualStacks`).
    /// - Complexity: O(samples × depth); each location and label set is named once.
    public func fold(_ profile: Profile, mergingEqualStacks: Bool = true) -> FoldedStacks {
        let type = options.sampleType ?? profile.defaultSampleType
        var folded = FoldedStacks(valueType: profile.sampleTypes.isEmpty
                                      ? .samples : profile.sampleTypes[type],
                                  kind: profile.sampleTypes.isEmpty ? .cpu : profile.kind(sampleType: type),
                                  mergesEqualStacks: mergingEqualStacks)
        guard !profile.sampleTypes.isEmpty else { return folded }

        // Names of every location, outermost line first, in one flat store (`nameRanges[location]`), made before
        // the sample loop so that the loop runs on unsafe buffers: slices and arrays per frame cost a retain and a
        // release each, which was most of the fold of a large pprof profile.
        var nameStore: [Int32] = []
        var nameRanges: [Int32] = [0]  // location i: nameStore[nameRanges[i] ..< nameRanges[i + 1]]
        nameRanges.reserveCapacity(profile.locations.count + 1)
        // Frame-name id of each function's plain name (no annotation), -1 until needed: locations share functions.
        var plainNames = [Int32](repeating: -1, count: profile.functions.count)
        // What each mapping's file means for naming (the last entry: no mapping), worked out once per mapping:
        // string work per location was a quarter of folding a profile of 100,000 unsymbolized addresses.
        var modules = [Module?](repeating: nil, count: profile.mappings.count + 1)
        for location in profile.locations {
            appendNames(of: location, in: profile, into: &folded, plainNames: &plainNames, modules: &modules,
                        to: &nameStore)
            nameRanges.append(Int32(nameStore.count))
        }
        let skipMatch = options.skipAfterMatches(in: profile)
        var rootNames = [Int32?](repeating: nil, count: profile.labelSets.count)
        var frames: [Int32] = []
        let width = profile.sampleTypes.count

        profile.stacks.frames.withUnsafeBufferPointer { stackFrames in
        profile.stacks.offsets.withUnsafeBufferPointer { stackOffsets in
        nameStore.withUnsafeBufferPointer { names in
        nameRanges.withUnsafeBufferPointer { ranges in
        profile.values.withUnsafeBufferPointer { values in
            for (i, sample) in profile.samples.enumerated() {
                let value = values[i * width + type]
                if value == 0 { continue }
                // Frames are leaf first; `--skip-after` keeps the leaf side up to and including the first match.
                let lowest = Int(stackOffsets[Int(sample.stack)])
                var highest = Int(stackOffsets[Int(sample.stack) + 1])
                var skipped = false
                if !skipMatch.isEmpty {
                    for index in lowest ..< highest where skipMatch[Int(stackFrames[index])] {
                        highest = index + 1
                        skipped = true
                        break
                    }
                }
                frames.removeAll(keepingCapacity: true)
                if options.processRoot && !skipped {
                    if rootNames[Int(sample.labels)] == nil {
                        rootNames[Int(sample.labels)] = rootName(profile, labels: sample.labels, into: &folded) ?? -1
                    }
                    let root = rootNames[Int(sample.labels)]!
                    if root >= 0 { frames.append(root) }
                }
                var index = highest
                while index > lowest {
                    index -= 1
                    let location = Int(stackFrames[index])
                    let start = Int(ranges[location]), end = Int(ranges[location + 1])
                    frames.append(contentsOf: UnsafeBufferPointer(rebasing: names[start ..< end]))
                }
                if frames.isEmpty {
                    folded.unattributed.saturatingAdd(value)
                    continue
                }
                frames.withUnsafeBufferPointer { folded.add(frames: $0, value: value) }
            }
        }
        }
        }
        }
        }
        return folded
    }

    /// The process root frame: `comm`, `comm-pid` or `comm-pid/tid` (spaces in comm become `_`).
    private func rootName(_ profile: Profile, labels: LabelSetID, into folded: inout FoldedStacks) -> Int32? {
        guard let comm = profile.labelString(LabelKey.command, in: labels) else { return nil }
        var name = String(comm.map { $0 == " " ? "_" : $0 })
        let pid = profile.labelString(LabelKey.process, in: labels) ?? "?"
        if options.includeTid {
            name += "-\(pid)/\(profile.labelString(LabelKey.thread, in: labels) ?? "?")"
        } else if options.includePid {
            name += "-\(pid)"
        }
        return folded.intern(name: name)
    }

    /// A mapping's file as folding names frames of it.
    private struct Module {
        /// The file's last path component, `;` made `:`.
        var base: String
        var isKernel: Bool
        var isJit: Bool
        /// The name of its frames without a symbol when addresses are not shown (`[base]`), -1 until needed.
        var unsymbolized: Int32 = -1
    }

    /// The entry of `modules` for a location's mapping: the last one stands for "no mapping".
    private static func moduleIndex(of location: Location, in profile: Profile) -> Int {
        location.mapping.map(Int.init) ?? profile.mappings.count
    }

    private func module(of location: Location, in profile: Profile, _ modules: inout [Module?]) -> Module {
        let index = Self.moduleIndex(of: location, in: profile)
        if let known = modules[index] { return known }
        let file = profile.mappingFile(of: location)
        let module = Module(base: ModuleKind.basename(file).replacingSemicolons(), isKernel: ModuleKind.isKernel(file),
                            isJit: ModuleKind.isJit(file))
        modules[index] = module
        return module
    }

    /// Appends the frame names of one location, outermost first, with inferno's annotations.
    private func appendNames(of location: Location, in profile: Profile, into folded: inout FoldedStacks,
                             plainNames: inout [Int32], modules: inout [Module?], to store: inout [Int32]) {
        if location.isInlineFrame && !options.includeInline { return }
        let module = module(of: location, in: profile, &modules)
        guard !location.lines.isEmpty else {
            // A mapping with a known address range (pprof, perf.data) gives the file offset, which is what a
            // symbolizer needs; perf script's `[unknown] (module)` has only the module (inferno's naming).
            if let id = location.mapping, case let mapping = profile.mappings[Int(id)], mapping.limit > mapping.start {
                let offset = location.address &- mapping.start &+ mapping.fileOffset
                store.append(folded.intern(name: module.base + "+0x" + String(offset, radix: 16)))
                return
            }
            let hasModule = location.mapping != nil
            if options.includeAddresses {
                store.append(folded.intern(name: unsymbolizedName(module: hasModule ? module : nil,
                                                                  address: location.address)))
                return
            }
            let index = Self.moduleIndex(of: location, in: profile)
            if module.unsymbolized < 0 {
                modules[index]!.unsymbolized = folded.intern(name: unsymbolizedName(module: hasModule ? module : nil,
                                                                                    address: location.address))
            }
            store.append(modules[index]!.unsymbolized)
            return
        }
        let lines = options.includeInline ? location.lines[...] : location.lines.suffix(1)
        for (position, line) in lines.reversed().enumerated() {
            // perf prints an inlined function as a frame of its own (`mix (inlined)`), named plainly as inferno
            // names it unless asked to mark it.
            let inlined = position > 0 || (location.isInlineFrame && options.markInlineFrames)
            let annotated = inlined || (options.annotateKernel && module.isKernel) || (options.annotateJit && module.isJit)
            if !annotated {
                let function = Int(line.function)
                if plainNames[function] < 0 {
                    plainNames[function] = folded.intern(name: frameName(line, profile))
                    if let label = label(line, profile) { folded.setLabel(label, for: plainNames[function]) }
                }
                store.append(plainNames[function])
                continue
            }
            var name = frameName(line, profile)
            let suffixStart = name.utf8.count
            if inlined {
                if !FrameAnnotation.appears(.inlined, in: name) { name += FrameAnnotation.inlined.suffix }
            } else if options.annotateKernel && module.isKernel {
                name += FrameAnnotation.kernel.suffix
            } else if !FrameAnnotation.appears(.jit, in: name) {
                name += FrameAnnotation.jit.suffix
            }
            let id = folded.intern(name: name)
            if let label = label(line, profile) {
                folded.setLabel(label + String(decoding: name.utf8.dropFirst(suffixStart), as: UTF8.self), for: id)
            }
            store.append(id)
        }
    }

    /// The short label of a frame named by its function's full name, when the two differ.
    private func label(_ line: Line, _ profile: Profile) -> String? {
        let function = profile.functions[Int(line.function)]
        guard options.fullNames, function.shortName != 0, function.shortName != function.name else { return nil }
        return profile.strings[Int(function.shortName)].replacingSemicolons()
    }

    /// A function's name as a frame: its label (short name), or its full name with `FoldOptions.fullNames`. `;` separates frames in folded stacks: a pprof function (or a symbolizer's)
    /// named `a;b` would otherwise become two frames, so it reads `a:b`, as FlameGraph writes module names. perf
    /// script names are left as inferno leaves them (its Java tidying already removes the `;` of class names).
    private func frameName(_ line: Line, _ profile: Profile) -> String {
        let function = profile.functions[Int(line.function)]
        let name = profile.strings[Int(options.fullNames ? function.name : function.label)]
        guard !profile.sourceTraits.contains(.namesAreStackText) else { return name }
        // A search of the contiguous UTF-8 buffer: a generic `utf8.contains` cost 4% of `hotspots` on a large pprof.
        let hasSemicolon = name.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: ";")) }
            ?? name.utf8.contains(UInt8(ascii: ";"))
        return hasSemicolon ? name.replacingSemicolons() : name
    }

    /// `[module]`, `[module <addr>]`, `[unknown]` or `[unknown <addr>]` (no module) for a frame without a symbol.
    private func unsymbolizedName(module: Module?, address: UInt64) -> String {
        if module == nil && !options.includeAddresses { return "[unknown]" }
        var name = "[" + (module?.base ?? "unknown")
        if options.includeAddresses { name += " <" + String(address, radix: 16) + ">" }
        name += "]"
        if let module, options.annotateKernel && module.isKernel {
            name += FrameAnnotation.kernel.suffix
        } else if let module, options.annotateJit && module.isJit {
            name += FrameAnnotation.jit.suffix
        }
        return name
    }
}

extension StringProtocol {
    /// `;` separates frames in folded text, so names carry `:` instead (as inferno and FlameGraph do). Both are
    /// ASCII: replacing the byte keeps the UTF-8 valid.
    func replacingSemicolons() -> String {
        guard utf8.contains(UInt8(ascii: ";")) else { return String(self) }
        return String(decoding: utf8.map { $0 == UInt8(ascii: ";") ? UInt8(ascii: ":") : $0 }, as: UTF8.self)
    }
}
