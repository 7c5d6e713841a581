import PyrometerModel

extension Profile {
    /// `--tag-root` and `--tag-leaf` (pprof's `addLabelNodes`): each stack gains a frame per key, named by the
    /// sample's values of that label (comma-separated; numbers with their units), at the root (the first key
    /// outermost) or at the leaf (the last key innermost). A sample without the label gets a frame named `missing`.
    func addingLabelFrames(roots: [String], leaves: [String], missing: String) -> Profile {
        var rewriter = StackRewriter(self)
        var made: [String: LocationID] = [:]
        // Per label set: its frames, leaf first as stacks are.
        var rootFrames: [[LocationID]] = [], leafFrames: [[LocationID]] = []
        for labels in labelSets {
            func frames(for keys: [String]) -> [LocationID] {
                keys.reversed().map { key in
                    let values = labelValues(labels, key: key)
                    let name = values.isEmpty ? missing : values.joined(separator: ",")
                    let frameKey = key + "\u{0}" + name
                    if let known = made[frameKey] { return known }
                    let location = rewriter.labelFrame(named: name, key: key)
                    made[frameKey] = location
                    return location
                }
            }
            rootFrames.append(frames(for: roots))
            leafFrames.append(frames(for: leaves))
        }
        return rewriter.build(select: { stack, _ in stack },
                              leaves: { leafFrames[Int($0.labels)] }, roots: { rootFrames[Int($0.labels)] })
    }

    /// The values of label `key` in a label set as pprof prints them: strings, then numbers scaled to a readable
    /// unit (`formatLabelValues`).
    func labelValues(_ labels: [Label], key: String) -> [String] {
        var strings: [String] = [], numbers: [String] = []
        for label in labels where self.strings[Int(label.key)] == key {
            if label.string != 0 {
                strings.append(self.strings[Int(label.string)])
            } else {
                numbers.append(LabelUnits.scaledLabel(label.number, unit: self.strings[Int(label.numberUnit)]))
            }
        }
        return strings + numbers
    }
}

extension StackRewriter {
    /// A location of its own for a label frame: a function named by the label's values, whose file is the key
    /// (as pprof makes them).
    mutating func labelFrame(named name: String, key: String) -> LocationID {
        let function = builder.intern(Function(name: builder.intern(name), filename: builder.intern(key)))
        return builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: function)]))
    }
}
