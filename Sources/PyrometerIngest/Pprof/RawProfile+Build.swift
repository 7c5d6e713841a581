import PyrometerModel

extension RawProfile {
    /// The profile's tables, built, waiting for its samples.
    struct Tables {
        var builder: ProfileBuilder
        /// Our location id of each location (by pprof id).
        var locationIDs: IDMap
        /// Locations `drop_frames` cuts whole, and those it cuts beneath (empty without `drop_frames`).
        var pruneWhole: Set<UInt64>
        var pruneBeneath: Set<UInt64>
        var sampleTypeCount: Int
    }

    /// Resolves string indexes and ids of everything but the samples, applying the profile's own
    /// `drop_frames`/`keep_frames` to the locations.
    func buildTables(diagnostics: inout [Diagnostic], file: String, demangle: Bool) throws(ProfileError) -> Tables {
        func text(_ index: Int64, _ what: String) throws(ProfileError) -> String {
            guard index >= 0 && index < Int64(strings.count) else {
                throw ProfileError(.malformed, "invalid profile.proto: \(what) names string \(index) of \(strings.count)",
                                   file: file)
            }
            return strings[Int(index)]
        }
        guard strings.first == "" || strings.isEmpty else {
            throw ProfileError(.malformed, "invalid profile.proto: string_table[0] must be empty", file: file)
        }

        var types: [PyrometerModel.ValueType] = []
        for type in sampleTypes {
            types.append(PyrometerModel.ValueType(type: try text(type.type, "sample_type"), unit: try text(type.unit, "sample_type")))
        }
        // pprof's rule: the type named by default_sample_type, else the last one.
        var defaultIndex = max(0, types.count - 1)
        if defaultSampleType != 0 {
            let name = try text(defaultSampleType, "default_sample_type")
            if let index = types.firstIndex(where: { $0.type == name }) { defaultIndex = index }
        }
        var builder = ProfileBuilder(sampleTypes: types, defaultSampleType: defaultIndex,
                                     sourceFormat: PprofImporter.formatName, sourceTraits: .pprofEncoded)
        // The string table is taken as it is (entry 0, "", is the builder's own id 0): our string ids are pprof's
        // indexes, and nothing is hashed.
        for string in strings.dropFirst() { _ = builder.append(string: string) }
        if let periodType {
            builder.periodType = PyrometerModel.ValueType(type: try text(periodType.type, "period_type"),
                                           unit: try text(periodType.unit, "period_type"))
        }
        builder.period = period
        builder.timeNanos = timeNanos
        builder.durationNanos = durationNanos
        for comment in comments {
            let text = try text(Int64(bitPattern: comment), "comment")
            if let trait = SourceTraits(comment: text) { builder.sourceTraits.insert(trait) } else { builder.comments.append(text) }
        }

        var mappingIDs = IDMap(mappings.map(\.id))
        for (i, mapping) in mappings.enumerated() {
            mappingIDs.values[i] = builder.intern(PyrometerModel.Mapping(
                start: mapping.start, limit: mapping.limit, fileOffset: mapping.offset,
                file: try stringID(mapping.filename, "mapping", file), buildID: try stringID(mapping.buildID, "mapping", file)))
        }
        var functionIDs = IDMap(functions.map(\.id))
        for (i, function) in functions.enumerated() {
            var model = PyrometerModel.Function(
                name: try stringID(function.name, "function", file),
                systemName: try stringID(function.systemName, "function", file),
                filename: try stringID(function.filename, "function", file), startLine: function.startLine)
            // A profile written by a tool that did not demangle (a Swift or C++ program's own pprof writer).
            // Index 0 is allowed without a string table (it means ""), so the table may not hold it.
            if demangle, Int(model.name) < strings.count,
               let demangled = SymbolNames.demangledFunction(strings[Int(model.name)], into: &builder) {
                model.name = demangled.name
                model.shortName = demangled.shortName
                if model.systemName == 0 { model.systemName = demangled.systemName }
            }
            functionIDs.values[i] = builder.append(model)
        }
        func functionName(_ id: UInt64) -> String {
            functionIDs.index(of: id).flatMap { strings.indices.contains(Int(functions[$0].name))
                ? strings[Int(functions[$0].name)] : nil } ?? ""
        }

        // drop_frames / keep_frames, as pprof's Profile.Prune applies them.
        let pruning = try FramePruning(drop: text(dropFrames, "drop_frames"), keep: text(keepFrames, "keep_frames"),
                                       diagnostics: &diagnostics, file: file)
        var locationIDs = IDMap(locations.map(\.id))
        var pruneWhole = Set<UInt64>(), pruneBeneath = Set<UInt64>()
        for (locationIndex, location) in locations.enumerated() {
            var lines = location.lines
            if let pruning, let cut = pruning.cut(lines.map { functionName($0.function) }) {
                pruneBeneath.insert(location.id)
                if cut == lines.count - 1 { pruneWhole.insert(location.id) } else { lines = Array(lines[(cut + 1)...]) }
            }
            var resolved: [PyrometerModel.Line] = []
            for line in lines {
                guard let function = functionIDs[line.function] else {
                    throw ProfileError(.malformed, "invalid profile.proto: location \(location.id) names unknown function \(line.function)",
                                       file: file)
                }
                resolved.append(PyrometerModel.Line(function: function, line: line.line, column: line.column))
            }
            var mapping: MappingID?
            if location.mapping != 0 {
                guard let known = mappingIDs[location.mapping] else {
                    throw ProfileError(.malformed, "invalid profile.proto: location \(location.id) names unknown mapping \(location.mapping)",
                                       file: file)
                }
                mapping = known
            }
            locationIDs.values[locationIndex] = builder.append(
                PyrometerModel.Location(mapping: mapping, address: location.address, lines: resolved))
        }
        return Tables(builder: builder, locationIDs: locationIDs, pruneWhole: pruneWhole, pruneBeneath: pruneBeneath,
                      sampleTypeCount: types.count)
    }

    /// A string index checked against the string table.
    private func stringID(_ index: Int64, _ what: String, _ file: String) throws(ProfileError) -> StringID {
        guard index >= 0 && index < Int64(max(strings.count, 1)) else {
            throw ProfileError(.malformed, "invalid profile.proto: \(what) names string \(index) of \(strings.count)",
                               file: file)
        }
        return StringID(index)
    }

    /// Adds the decoded samples to the tables' builder, with `drop_frames` applied and every id checked.
    func buildSamples(into tables: inout Tables, file: String) throws(ProfileError) -> Profile {
        var builder = tables.builder
        let locationIDs = tables.locationIDs, pruneWhole = tables.pruneWhole, pruneBeneath = tables.pruneBeneath
        var stack: [LocationID] = []
        var values: [Int64] = []
        builder.reserveStacks(frames: sampleLocations.count, stacks: sampleEnds.count)
        for (i, end) in sampleEnds.enumerated() {
            let start = i == 0 ? (locations: 0, values: 0, labels: 0) : sampleEnds[i - 1]
            let sampleValueCount = end.values - start.values
            guard sampleValueCount == tables.sampleTypeCount else {
                throw ProfileError(.malformed, """
                    invalid profile.proto: a sample has \(sampleValueCount) values for \(tables.sampleTypeCount) sample types
                    """, file: file)
            }
            var kept = sampleLocations[start.locations ..< end.locations]
            if !pruneBeneath.isEmpty {
                // From the root, after the first frame that is not pruned, cut at the first pruned one (pprof).
                var foundUser = false
                for index in kept.indices.reversed() {
                    let id = kept[index]
                    if !pruneWhole.contains(id) && !pruneBeneath.contains(id) {
                        foundUser = true
                        continue
                    }
                    guard foundUser else { continue }
                    kept = pruneWhole.contains(id) ? kept[(index + 1)...] : kept[index...]
                    break
                }
            }
            stack.removeAll(keepingCapacity: true)
            for id in kept {
                guard let location = locationIDs[id] else {
                    throw ProfileError(.malformed, "invalid profile.proto: a sample names unknown location \(id)", file: file)
                }
                stack.append(location)
            }
            var labels: [PyrometerModel.Label] = []
            for label in sampleLabels[start.labels ..< end.labels] {
                let key = try stringID(label.key, "label", file)
                if label.string != 0 {
                    labels.append(PyrometerModel.Label(key: key, string: try stringID(label.string, "label", file)))
                } else {
                    labels.append(PyrometerModel.Label(key: key, number: label.number,
                                                       numberUnit: try stringID(label.numberUnit, "label", file)))
                }
            }
            values.removeAll(keepingCapacity: true)
            for value in sampleValues[start.values ..< end.values] { values.append(Int64(bitPattern: value)) }
            builder.add(stack: builder.intern(stack: stack), labels: builder.intern(labels: labels), values: values)
        }
        return builder.build()
    }
}

/// pprof's frame pruning: a location is cut at its outermost line whose function matches `drop` in full and not
/// `keep`; samples lose the frames from there to the leaf.
struct FramePruning {
    let drop: Regex<AnyRegexOutput>
    let keep: Regex<AnyRegexOutput>?

    init?(drop: String, keep: String, diagnostics: inout [Diagnostic], file: String) {
        guard !drop.isEmpty else { return nil }
        do {
            self.drop = try Regex("^(?:" + drop + ")$")
            self.keep = keep.isEmpty ? nil : try Regex("^(?:" + keep + ")$")
        } catch {
            diagnostics.append(Diagnostic(kind: "drop_frames/keep_frames is not a valid regular expression; ignored",
                                          count: 0, firstFile: file, firstLine: nil, example: drop))
            return nil
        }
    }

    /// The index (innermost first) of the outermost line to cut at, or nil.
    func cut(_ functionNames: [String]) -> Int? {
        var index = functionNames.count - 1
        while index >= 0 {
            let name = Self.simplified(functionNames[index])
            if !name.isEmpty, (try? drop.wholeMatch(in: name)) != nil,
               keep.map({ (try? $0.wholeMatch(in: name)) == nil }) ?? true {
                return index
            }
            index -= 1
        }
        return nil
    }

    /// The function name as pprof's `simplifyFunc` matches it: without a leading `.` (PPC64 ELFv1), cut at the
    /// first `(` that does not begin `(anonymous namespace)` or end `operator()`.
    static func simplified(_ name: String) -> String {
        var trimmed = Array(name.utf8)
        if trimmed.first == UInt8(ascii: ".") { trimmed.removeFirst() }
        let anonymous = Array("(anonymous namespace)".utf8), callOperator = Array("operator()".utf8)
        var i = 0
        while i < trimmed.count {
            if trimmed[i] == UInt8(ascii: "(") {
                if trimmed[i...].starts(with: anonymous) {
                    i += anonymous.count
                    continue
                }
                if i >= 8 && trimmed[(i - 8)...].starts(with: callOperator) {
                    i += 2
                    continue
                }
                return String(decoding: trimmed[..<i], as: UTF8.self)
            }
            i += 1
        }
        return String(decoding: trimmed, as: UTF8.self)
    }
}

/// pprof ids (of mappings, functions, locations) to ours. Ids are usually 1...n in order, which needs no hashing;
/// any other numbering falls back to a dictionary.
struct IDMap {
    /// Ids are 1...n in order.
    let isDense: Bool
    private let index: [UInt64: Int]
    /// Our id for the message at each position.
    var values: [Int32]

    init(_ ids: [UInt64]) {
        isDense = ids.enumerated().allSatisfy { $0.element == UInt64($0.offset + 1) }
        var index: [UInt64: Int] = [:]
        if !isDense { for (position, id) in ids.enumerated() { index[id] = position } }
        self.index = index
        values = Array(repeating: -1, count: ids.count)
    }

    /// The position of the message with this pprof id.
    func index(of id: UInt64) -> Int? {
        if isDense { return id >= 1 && id <= UInt64(values.count) ? Int(id - 1) : nil }
        return index[id]
    }

    subscript(id: UInt64) -> Int32? {
        guard let position = index(of: id), values[position] >= 0 else { return nil }
        return values[position]
    }
}
