extension Profile {
    /// A canonical, sorted text form of the profile used by golden tests and round-trip checks.
    ///
    /// Ids, insertion order and interning details do not show: two profiles with the same samples, stacks, frames
    /// and labels dump to the same text whichever importer or worker split produced them. Samples whose stack,
    /// frames and labels print the same are summed.
    public func canonicalDump() -> String {
        var out = "format: \(sourceFormat)\n"
        out += "sample_types:"
        for (i, type) in sampleTypes.enumerated() {
            out += " \(type)\(i == defaultSampleType ? "*" : "")"
        }
        out += "\n"
        if let periodType { out += "period: \(period) \(periodType)\n" }
        if timeNanos != 0 || durationNanos != 0 { out += "time: \(timeNanos) duration: \(durationNanos)\n" }
        for comment in comments { out += "comment: \(comment)\n" }

        var rows: [String: [Int64]] = [:]
        let width = sampleTypes.count
        for (i, sample) in samples.enumerated() {
            var frames: [String] = []
            for location in stacks[sample.stack].reversed() {
                frames.append(describe(locations[Int(location)]))
            }
            let labels = labelSets[Int(sample.labels)].map { label -> String in
                let key = strings[Int(label.key)]
                if label.string != 0 { return "\(key)=\(strings[Int(label.string)])" }
                let unit = label.numberUnit != 0 ? strings[Int(label.numberUnit)] : ""
                return "\(key)=\(label.number)\(unit)"
            }.sorted().joined(separator: ",")
            let key = "{\(labels)} \(frames.joined(separator: ";"))"
            let sampleValues = values[i * width ..< (i + 1) * width]
            if let existing = rows[key] {
                rows[key] = zip(existing, sampleValues).map { $0.addingSaturated($1) }
            } else {
                rows[key] = Array(sampleValues)
            }
        }
        for key in rows.keys.sorted() {
            let sampleValues = rows[key]!
            if sampleValues.allSatisfy({ $0 == 0 }) { continue }
            out += sampleValues.map(String.init).joined(separator: " ") + " " + key + "\n"
        }
        return out
    }

    /// One frame of the dump: inline chain outermost first (`outer->inner`), then mapping and address when known.
    private func describe(_ location: Location) -> String {
        var text = location.lines.reversed().map { line -> String in
            var name = functionName(line)
            let file = strings[Int(functions[Int(line.function)].filename)]
            if !file.isEmpty || line.line != 0 { name += " [\(file):\(line.line)]" }
            return name
        }.joined(separator: "->")
        if location.lines.isEmpty { text = "?" }
        if location.isInlineFrame { text += " (inlined)" }
        if let mapping = location.mapping {
            text += " {\(strings[Int(mappings[Int(mapping)].file)])}"
        }
        if location.address != 0 { text += " @0x" + String(location.address, radix: 16) }
        return text
    }
}
