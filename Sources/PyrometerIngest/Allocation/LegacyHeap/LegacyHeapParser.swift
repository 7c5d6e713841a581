#if canImport(Glibc)
import Glibc
#endif
import PyrometerModel

/// The lines of a gperftools or jemalloc heap profile (see `LegacyHeapImporter`).
struct LegacyHeapParser {
    private let file: String
    private var lineNumber = 0
    /// `v2`: values are samples to scale by `rate`.
    private var sampled = false
    private var rate: Int64 = 1
    private var countsAllocations = false
    private var samples: [(values: [Int64], blockSize: Int64, addresses: [UInt64])] = []
    private var mappings: [(start: UInt64, limit: UInt64, offset: UInt64, path: String)] = []

    init(file: String) { self.file = file }

    private func malformed(_ message: String) -> ProfileError {
        ProfileError(.malformed, message, file: file, line: lineNumber)
    }

    mutating func parse(_ bytes: [UInt8]) throws(ProfileError) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard let header = lines.first else { throw malformed("empty heap profile") }
        lineNumber = 1
        var index = 1
        if header.hasPrefix("heap profile:") {
            try gperftoolsHeader(header)
            try forEachSampleLine(lines, from: &index) { parser, line throws(ProfileError) in
                let (values, addresses) = try parser.valuesAndStack(line)
                try parser.add(values, addresses)
            }
        } else {
            // jemalloc: `heap_v2/RATE`, then `@ addresses` each followed by its `t*:` totals and per-thread lines.
            guard let rateValue = Int64(header.dropFirst("heap_v2/".count)) else { throw malformed("expected heap_v2/RATE") }
            (sampled, rate) = (true, rateValue)
            var pending: [UInt64]?
            var parsed: [([Int64], [UInt64])] = []
            try forEachSampleLine(lines, from: &index) { parser, line throws(ProfileError) in
                if line.hasPrefix("@") {
                    pending = try Self.addresses(line.dropFirst()).get(orThrow: parser.malformed("bad address in `@` line"))
                } else if line.hasPrefix("t*:") {
                    let values = try parser.counts(line.dropFirst(3))
                    if let stack = pending { parsed.append((values, stack)) }  // before any `@`: the totals
                    pending = nil
                }
            }
            countsAllocations = parsed.contains { $0.0[2] != 0 || $0.0[3] != 0 }
            for (values, stack) in parsed { try add(values, stack) }
        }
        while index < lines.count {
            lineNumber = index + 1
            mapping(trimmed(lines[index]))
            index += 1
        }
    }

    /// The lines from `index` up to the memory map (or the end), comments and blank lines skipped; `index` is left
    /// at the map's first line.
    private mutating func forEachSampleLine(_ lines: [String], from index: inout Int,
                                            _ body: (inout Self, Substring) throws(ProfileError) -> Void)
        throws(ProfileError) {
        while index < lines.count {
            lineNumber = index + 1
            let line = trimmed(lines[index])
            index += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if Self.isMemoryMap(line) { break }
            try body(&self, line)
        }
    }

    private func trimmed(_ line: String) -> Substring {
        var text = Substring(line).drop { $0 == " " || $0 == "\t" }
        while let last = text.last, last == " " || last == "\t" || last == "\r" { text = text.dropLast() }
        return text
    }

    static func isMemoryMap(_ line: Substring) -> Bool {
        line.hasPrefix("MAPPED_LIBRARIES:") || line.hasPrefix("--- Memory map:")
    }

    /// `heap profile: INUSE_OBJECTS: INUSE_BYTES [ ALLOC_OBJECTS: ALLOC_BYTES] @ TYPE[/RATE]`.
    private mutating func gperftoolsHeader(_ line: String) throws(ProfileError) {
        let parts = line.dropFirst("heap profile:".count).split(separator: "@", maxSplits: 1)
        guard parts.count == 2 else { throw malformed("expected `@ TYPE` in the heap profile's header") }
        let totals = try counts(parts[0])
        // Allocation columns that differ from the in-use ones, and are not zero, mean the profile counts them.
        countsAllocations = (totals[2] != totals[0] && totals[2] != 0) || (totals[3] != totals[1] && totals[3] != 0)
        let type = parts[1].trimmingPrefixSpaces()
        let name = type.split(separator: "/").first.map(String.init) ?? ""
        let stated = type.split(separator: "/").dropFirst().first.flatMap { Int64($0) } ?? 0
        switch name {
        case "heapz_v2", "heap_v2": (sampled, rate) = (true, stated)
        case "heapprofile": (sampled, rate) = (false, 1)
        case "heap": (sampled, rate) = (true, stated / 2)  // Go's legacy heap profiles state twice the rate
        default: throw malformed("unknown heap profile type `\(type)`")
        }
    }

    /// `A: B [C: D]` as [A, B, C, D].
    private func counts(_ text: some StringProtocol) throws(ProfileError) -> [Int64] {
        let numbers = text.split { $0 == ":" || $0 == "[" || $0 == "]" || $0 == " " }.map { Int64($0) }
        guard numbers.count == 4, numbers.allSatisfy({ $0 != nil }) else {
            throw malformed("expected `OBJECTS: BYTES [OBJECTS: BYTES]`")
        }
        return numbers.map { $0! }
    }

    private func valuesAndStack(_ line: Substring) throws(ProfileError) -> ([Int64], [UInt64]) {
        let parts = line.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw malformed("expected `OBJECTS: BYTES [OBJECTS: BYTES] @ ADDRESSES`") }
        let stack = try Self.addresses(parts[1]).get(orThrow: malformed("bad address after `@`"))
        return (try counts(parts[0]), stack)
    }

    static func addresses(_ text: some StringProtocol) -> [UInt64]? {
        var result: [UInt64] = []
        for word in text.split(separator: " ") {
            let digits = word.hasPrefix("0x") ? word.dropFirst(2) : word[...]
            guard let address = UInt64(digits, radix: 16) else { return nil }
            result.append(address)
        }
        return result
    }

    /// The in-use and (when counted) allocation values of one stack, scaled when sampled.
    private mutating func add(_ counts: [Int64], _ addresses: [UInt64]) throws(ProfileError) {
        var values: [Int64] = []
        var blockSize: Int64 = 0
        for (count, size) in (countsAllocations ? [(counts[2], counts[3]), (counts[0], counts[1])] : [(counts[0], counts[1])]) {
            if count < 0 || size < 0 { throw malformed("negative counts or bytes (\(count): \(size))") }
            if count == 0 && size != 0 { throw malformed("a count of 0 with \(size) bytes") }
            var (scaledCount, scaledSize) = (count, size)
            if count != 0 {
                blockSize = size / count
                if sampled { (scaledCount, scaledSize) = Self.scaled(count, size, rate: rate) }
            }
            values += [scaledCount, scaledSize]
        }
        samples.append((values, blockSize, addresses))
    }

    /// pprof's estimate of the unsampled value: each sample of average size S was taken with odds 1 - exp(-S/R).
    static func scaled(_ count: Int64, _ size: Int64, rate: Int64) -> (Int64, Int64) {
        guard count != 0, size != 0 else { return (0, 0) }
        guard rate > 1 else { return (count, size) }
        let scale = 1 / (1 - exp(-(Double(size) / Double(count)) / Double(rate)))
        guard scale.isFinite else { return (count, size) }  // a rate so large that nothing could be sampled
        return (Int64(clampingDouble: Double(count) * scale), Int64(clampingDouble: Double(size) * scale))
    }

    /// A /proc/PID/maps line: `START-END PERMS OFFSET DEV INODE PATH`; executable ones name code.
    private mutating func mapping(_ line: Substring) {
        let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard fields.count == 6, fields[1].contains("x"), let dash = fields[0].firstIndex(of: "-"),
              let start = UInt64(fields[0][..<dash], radix: 16),
              let limit = UInt64(fields[0][fields[0].index(after: dash)...], radix: 16),
              let offset = UInt64(fields[2], radix: 16), start < limit else { return }
        mappings.append((start, limit, offset, String(fields[5].drop { $0 == " " })))
    }

    func build() -> Profile {
        let types: [ValueType] = countsAllocations
            ? [ValueType(type: "alloc_objects", unit: "count"), ValueType(type: "alloc_space", unit: "bytes"),
               ValueType(type: "inuse_objects", unit: "count"), ValueType(type: "inuse_space", unit: "bytes")]
            : [ValueType(type: "objects", unit: "count"), ValueType(type: "space", unit: "bytes")]
        var builder = ProfileBuilder(sampleTypes: types, sourceFormat: LegacyHeapImporter.formatName,
                                     sourceTraits: sampled && rate > 1 ? .allocatorFramesAtLeaves : [.exactAllocationCounts, .allocatorFramesAtLeaves])
        builder.periodType = ValueType(type: "space", unit: "bytes")
        builder.period = rate
        let mappingIDs = mappings.map {
            builder.intern(Mapping(start: $0.start, limit: $0.limit, fileOffset: $0.offset, file: builder.intern($0.path)))
        }
        let bytesKey = builder.intern("bytes")
        // The mappings by start, for a binary search per address (a map may have many thousand lines).
        let byStart = mappings.indices.sorted { mappings[$0].start < mappings[$1].start }
        func mappingIndex(_ pc: UInt64) -> Int? {
            let after = byStart.partitionPoint { mappings[$0].start <= pc }
            guard after > 0, pc < mappings[byStart[after - 1]].limit else { return nil }
            return byStart[after - 1]
        }
        for sample in samples {
            var stack: [LocationID] = []
            for address in sample.addresses {
                // A return address, moved back into the call that made it.
                let pc = address &- 1
                let mapping = mappingIndex(pc)
                if stack.isEmpty, let mapping, AllocatorFrames.isAllocatorLibrary(mappings[mapping].path) { continue }
                stack.append(builder.intern(Location(mapping: mapping.map { mappingIDs[$0] }, address: pc, lines: [])))
            }
            let labels = builder.intern(labels: [Label(key: bytesKey, number: sample.blockSize)])
            let id = builder.intern(stack: stack)
            for (type, value) in sample.values.enumerated() where value != 0 {
                builder.add(stack: id, labels: labels, type: type, value: value)
            }
        }
        return builder.build()
    }
}

private extension Optional {
    func get(orThrow error: @autoclosure () -> ProfileError) throws(ProfileError) -> Wrapped {
        guard let self else { throw error() }
        return self
    }
}

private extension Substring {
    func trimmingPrefixSpaces() -> Substring { drop { $0 == " " } }
}
