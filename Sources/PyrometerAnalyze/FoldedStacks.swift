import PyrometerModel

/// A profile reduced to one value per unique stack of frame names (root first): what folded text, flamegraphs and
/// hotspots are computed from.
public struct FoldedStacks: Sendable {
    private var nameTable = StringInterner()
    /// Frame-name id → name.
    public var names: [String] { nameTable.strings }
    /// Unique stacks of frame-name ids, root first.
    public private(set) var stacks = StackTable()
    /// The value of each stack in `stacks`.
    public private(set) var values: [Int64] = []
    /// What the values measure.
    public var valueType: ValueType
    /// Whether the profile measures CPU, wall-clock or other values (chooses the hotspot threshold).
    public var kind: ProfileKind

    /// Whether equal stacks are summed into one (the default). Without, every `add` is a stack of its own, which
    /// is cheaper for analyses that sum per frame anyway (hotspots) but wrong for folded text and flamegraphs.
    public let mergesEqualStacks: Bool

    public init(valueType: ValueType, kind: ProfileKind = .cpu, mergesEqualStacks: Bool = true) {
        self.valueType = valueType
        self.kind = kind
        self.mergesEqualStacks = mergesEqualStacks
    }

    /// The number of unique stacks.
    public var count: Int { values.count }

    /// The value of samples without any frame (pprof allows them): part of the total, in no stack.
    public var unattributed: Int64 = 0

    /// The sum of all values, stackless samples included (as pprof's totals include them).
    public var total: Int64 { values.reduce(unattributed) { $0.addingSaturated($1) } }

    /// Short labels of frames named by full names (`FoldOptions.fullNames`), by frame-name id, where they differ:
    /// a flamegraph draws the label and shows the full name in the tooltip.
    public private(set) var labels: [Int32: String] = [:]

    /// The id of frame name `name`.
    public mutating func intern(name: String) -> Int32 { nameTable.intern(name) }

    /// Sets the label drawn for frame name `id`.
    public mutating func setLabel(_ label: String, for id: Int32) { labels[id] = label }

    /// Adds `value` to the stack of frame-name ids `frames` (root first).
    public mutating func add(frames: UnsafeBufferPointer<Int32>, value: Int64) {
        let id = Int(mergesEqualStacks ? stacks.intern(frames) : stacks.append(frames))
        if id == values.count { values.append(value) } else { values[id].saturatingAdd(value) }
    }

    public mutating func add(frames: [String], value: Int64) {
        let ids = frames.map { intern(name: $0) }
        ids.withUnsafeBufferPointer { add(frames: $0, value: value) }
    }

    /// Adds every stack of `other` (matched by frame names), e.g. to merge one side of a diff.
    public mutating func merge(_ other: FoldedStacks) {
        let names = other.names.map { intern(name: $0) }
        for (id, label) in other.labels { labels[names[Int(id)]] = label }
        var frames: [Int32] = []
        for id in 0 ..< other.count where other.values[id] != 0 {
            frames.removeAll(keepingCapacity: true)
            for frame in other.stacks[StackID(id)] { frames.append(names[Int(frame)]) }
            frames.withUnsafeBufferPointer { add(frames: $0, value: other.values[id]) }
        }
        unattributed.saturatingAdd(other.unattributed)
    }

    /// The folded text of every stack with a non-zero value, sorted by the bytes of the stack text. With
    /// `reversed`, each stack is written leaf first (flamegraph.pl `--reverse`).
    public func sortedText(reversed: Bool = false) -> SortedFoldedText {
        // Every name's bytes in one arena (an array per name, and one per stack for its frames, were a third of
        // writing 100,000 symbolized stacks).
        var nameBytes: [UInt8] = []
        var nameStarts: [Int] = [0]
        nameStarts.reserveCapacity(names.count + 1)
        for name in names {
            nameBytes.append(contentsOf: name.utf8)
            nameStarts.append(nameBytes.count)
        }
        var text = SortedFoldedText()
        nameBytes.withUnsafeBufferPointer { arena in
            for id in 0 ..< count where values[id] != 0 {
                let start = text.bytes.count
                let frames = stacks[StackID(id)]
                for position in 0 ..< frames.count {
                    let frame = Int(frames[frames.startIndex + (reversed ? frames.count - 1 - position : position)])
                    if position > 0 { text.bytes.append(UInt8(ascii: ";")) }
                    text.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: arena[nameStarts[frame] ..< nameStarts[frame + 1]]))
                }
                text.ranges.append(start ..< text.bytes.count)
                text.values.append(values[id])
                text.stacks.append(id)
            }
        }
        let ranges = text.ranges
        var merged: [Int] = []
        merged.reserveCapacity(ranges.count)
        text.bytes.withUnsafeBytes { all in
            func line(_ index: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: all[ranges[index]]) }
            // Sorted by the eight bytes that follow the prefix every line shares (the process and its first
            // frames), and by the whole line only when those are equal: comparing whole lines, most of each
            // comparison was the shared prefix again.
            let shared = Self.sharedPrefixLength(ranges, all)
            var keyed = ranges.indices.map { SortKey(key: Self.bigEndianKey(all, ranges[$0], from: shared), index: $0) }
            keyed.sort { $0.key != $1.key ? $0.key < $1.key : ByteOrder.precedes(line($0.index), line($1.index)) }
            let order = keyed.map(\.index)
            // Different stacks can print the same (a process name containing `;`, a frame named like two): one
            // line each, as text-keyed collapsers give.
            for index in order {
                if let last = merged.last, ByteOrder.equal(line(last), line(index)) {
                    text.values[last].saturatingAdd(text.values[index])
                } else {
                    merged.append(index)
                }
            }
        }
        text.order = merged
        return text
    }

    private struct SortKey {
        var key: UInt64
        var index: Int
    }

    /// The length of the prefix all `ranges` of `bytes` share.
    private static func sharedPrefixLength(_ ranges: [Range<Int>], _ bytes: UnsafeRawBufferPointer) -> Int {
        guard let first = ranges.first else { return 0 }
        var length = first.count
        for range in ranges.dropFirst() {
            length = min(length, range.count)
            var i = 0
            while i < length && bytes[first.lowerBound + i] == bytes[range.lowerBound + i] { i += 1 }
            length = i
            if length == 0 { break }
        }
        return length
    }

    /// Bytes `from ..< from + 8` of the line at `range`, as a big-endian number padded with zeros: keys compare
    /// as the bytes do (a shorter line, padded, never sorts after a longer one it is a prefix of).
    private static func bigEndianKey(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, from offset: Int) -> UInt64 {
        var key: UInt64 = 0
        for i in 0 ..< 8 {
            let position = range.lowerBound + offset + i
            key = key << 8 | UInt64(position < range.upperBound ? bytes[position] : 0)
        }
        return key
    }

    /// `(stack text, value)` pairs sorted by the bytes of the stack text, as folded output lists them.
    /// Frames are joined with `;`. Stacks whose value is 0 are left out.
    public func sortedLines() -> [(stack: [UInt8], value: Int64)] {
        let text = sortedText()
        return text.order.map { (Array(text.bytes[text.ranges[$0]]), text.values[$0]) }
    }
}

/// Folded stack texts in one buffer: line `order[i]` is the i-th in byte order.
public struct SortedFoldedText: Sendable {
    /// Every stack text (frames joined with `;`), back to back.
    public var bytes: [UInt8] = []
    /// Where each stack's text is in `bytes`.
    public var ranges: [Range<Int>] = []
    public var values: [Int64] = []
    /// The id (in `FoldedStacks.stacks`) of the stack each text was made from.
    public var stacks: [Int] = []
    /// Indexes into `ranges`, `values` and `stacks`, sorted by stack text; equal texts appear once, with the sum
    /// of their values.
    public var order: [Int] = []
}
