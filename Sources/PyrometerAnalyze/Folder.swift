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
                                      ? ValueType(type: "samples", unit: "count") : profile.sampleTypes[type],
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
        for location in profile.locations {
            nameStore.append(contentsOf: names(of: location, in: profile, into: &folded, plainNames: &plainNames))
            nameRanges.append(Int32(nameStore.count))
        }
        let skipAfter = Set(options.skipAfter)
        let skipMatch: [Bool] = skipAfter.isEmpty ? [] : profile.locations.map { location in
            location.lines.contains {
                let function = profile.functions[Int($0.function)]
                return skipAfter.contains(profile.strings[Int(function.name)])
                    || (function.systemName != 0 && skipAfter.contains(profile.strings[Int(function.systemName)]))
            }
        }
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
        guard let comm = profile.labelString("comm", in: labels) else { return nil }
        var name = String(comm.map { $0 == " " ? "_" : $0 })
        let pid = profile.labelString("pid", in: labels) ?? "?"
        if options.includeTid {
            name += "-\(pid)/\(profile.labelString("tid", in: labels) ?? "?")"
        } else if options.includePid {
            name += "-\(pid)"
        }
        return folded.intern(name: name)
    }

    /// The frame names of one location, outermost first, with inferno's annotations.
    private func names(of location: Location, in profile: Profile, into folded: inout FoldedStacks,
                       plainNames: inout [Int32]) -> [Int32] {
        if location.isInlineFrame && !options.includeInline { return [] }
        let module = profile.mappingFile(of: location)
        guard !location.lines.isEmpty else {
            // A mapping with a known address range (pprof, perf.data) gives the file offset, which is what a
            // symbolizer needs; perf script's `[unknown] (module)` has only the module (inferno's naming).
            if let id = location.mapping, case let mapping = profile.mappings[Int(id)], mapping.limit > mapping.start,
               !options.unsymbolizedByModule {
                let offset = location.address &- mapping.start &+ mapping.fileOffset
                return [folded.intern(name: ModuleKind.basename(module).replacingSemicolons() + "+0x"
                                          + String(offset, radix: 16))]
            }
            return [folded.intern(name: unsymbolizedName(module: location.mapping == nil ? nil : module,
                                                         address: location.address))]
        }
        var result: [Int32] = []
        let lines = options.includeInline ? location.lines[...] : location.lines.suffix(1)
        for (position, line) in lines.reversed().enumerated() {
            let annotated = position > 0
                ? options.markInlined
                : (options.annotateKernel && ModuleKind.isKernel(module)) || (options.annotateJit && ModuleKind.isJit(module))
            if !annotated {
                let function = Int(line.function)
                if plainNames[function] < 0 { plainNames[function] = folded.intern(name: frameName(line, profile)) }
                result.append(plainNames[function])
                continue
            }
            var name = frameName(line, profile)
            if position > 0 {
                if !Self.hasAnnotation(name, UInt8(ascii: "i")) { name += "_[i]" }
            } else if options.annotateKernel && ModuleKind.isKernel(module) {
                name += "_[k]"
            } else if !Self.hasAnnotation(name, UInt8(ascii: "j")) {
                name += "_[j]"
            }
            result.append(folded.intern(name: name))
        }
        return result
    }

    /// Whether `name` contains `_[letter]`, by its bytes: `String.contains` with a string argument went through
    /// the generic string-processing path and was 60% of folding a symbolized profile full of inline frames.
    private static func hasAnnotation(_ name: String, _ letter: UInt8) -> Bool {
        var copy = name
        return copy.withUTF8 { bytes in
            guard bytes.count >= 4 else { return false }
            for i in 0 ... bytes.count - 4 where bytes[i] == UInt8(ascii: "_") && bytes[i + 1] == UInt8(ascii: "[")
                && bytes[i + 2] == letter && bytes[i + 3] == UInt8(ascii: "]") {
                return true
            }
            return false
        }
    }

    /// A function's name as a frame. `;` separates frames in folded stacks: a pprof function (or a symbolizer's)
    /// named `a;b` would otherwise become two frames, so it reads `a:b`, as FlameGraph writes module names. perf
    /// script names are left as inferno leaves them (its Java tidying already removes the `;` of class names).
    private func frameName(_ line: Line, _ profile: Profile) -> String {
        let name = profile.functionName(line)
        guard profile.sourceFormat != "perf-script" else { return name }
        // A search of the contiguous UTF-8 buffer: a generic `utf8.contains` cost 4% of `hotspots` on a large pprof.
        let hasSemicolon = name.utf8.withContiguousStorageIfAvailable { $0.contains(UInt8(ascii: ";")) }
            ?? name.utf8.contains(UInt8(ascii: ";"))
        return hasSemicolon ? Substring(name).replacingSemicolons() : name
    }

    /// `[module]`, `[module <addr>]`, `[unknown]` or `[unknown <addr>]` (no module) for a frame without a symbol.
    private func unsymbolizedName(module: String?, address: UInt64) -> String {
        let base: Substring
        if let module {
            base = ModuleKind.basename(module)
        } else {
            guard options.includeAddresses else { return "[unknown]" }
            base = "unknown"
        }
        var name = "[" + base.replacingSemicolons()
        if options.includeAddresses { name += " <" + String(address, radix: 16) + ">" }
        name += "]"
        if let module, options.annotateKernel && ModuleKind.isKernel(module) {
            name += "_[k]"
        } else if let module, options.annotateJit && ModuleKind.isJit(module) {
            name += "_[j]"
        }
        return name
    }
}

extension Substring {
    /// `;` separates frames in folded text, so names carry `:` instead (as inferno and FlameGraph do).
    func replacingSemicolons() -> String {
        String(map { $0 == ";" ? ":" : $0 })
    }
}
