import PyrometerModel

/// Reads folded stacks (Brendan Gregg's format): `root;frame;leaf COUNT` per line, or the differential form
/// `root;...;leaf BEFORE AFTER`. One count column gives one sample type (`samples/count`); two give `before` and
/// `after` (the default, as flamegraph.pl sizes frames by the second column). Lines starting with `#` are comments.
/// Counts with a fraction are truncated to integers (values are integers, as in pprof), with a warning, as inferno's
/// `flamegraph` and `diff-folded` truncate them.
public struct FoldedImporter: ProfileImporter {
    public static let formatName = "folded"

    public init() {}

    /// Yes when the first non-comment line is `text COUNT` or `text COUNT COUNT` and does not start with
    /// whitespace (perf frame lines do).
    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        guard let base = prefix.baseAddress else { return isComplete ? .no : .needMoreBytes }
        var position = 0
        while position < prefix.count {
            let lineEnd = Bytes.find(Bytes.newline, in: base, from: position, to: prefix.count)
            if lineEnd == prefix.count && !isComplete { return .needMoreBytes }
            let start = position
            var stop = lineEnd
            position = lineEnd + 1
            while stop > start && Bytes.isWhitespace(base.load(fromByteOffset: stop - 1, as: UInt8.self)) { stop -= 1 }
            if stop == start || base.load(fromByteOffset: start, as: UInt8.self) == Bytes.hash { continue }
            if Bytes.isWhitespace(base.load(fromByteOffset: start, as: UInt8.self)) { return .no }
            guard let split = countColumns(base, start, stop) else { return .no }
            return split.stackEnd > start ? .yes : .no
        }
        return isComplete ? .no : .needMoreBytes
    }

    /// The count columns at the end of a line: (end of the stack text, first count, second count if any).
    /// Counts are `digits[.digits]`.
    static func countColumns(_ base: UnsafeRawPointer, _ start: Int, _ stop: Int)
        -> (stackEnd: Int, counts: [Range<Int>])? {
        func lastNumber(before end: Int) -> Range<Int>? {
            var i = end
            var sawDigit = false, sawDot = false
            while i > start {
                let b = base.load(fromByteOffset: i - 1, as: UInt8.self)
                if Bytes.isDigit(b) { sawDigit = true } else if b == UInt8(ascii: "."), !sawDot { sawDot = true } else {
                    break
                }
                i -= 1
            }
            guard sawDigit, i > start, Bytes.isWhitespace(base.load(fromByteOffset: i - 1, as: UInt8.self)),
                  base.load(fromByteOffset: i, as: UInt8.self) != UInt8(ascii: ".") else { return nil }
            return i ..< end
        }
        func skipSpaces(_ end: Int) -> Int {
            var i = end
            while i > start && Bytes.isWhitespace(base.load(fromByteOffset: i - 1, as: UInt8.self)) { i -= 1 }
            return i
        }
        guard let last = lastNumber(before: stop) else { return nil }
        let beforeLast = skipSpaces(last.lowerBound)
        if let previous = lastNumber(before: beforeLast) {
            return (skipSpaces(previous.lowerBound), [previous, last])
        }
        return (beforeLast, [last])
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        var parser = FoldedParser(demangle: options.demangle)
        let reader = BlockReader.lines(file: input.name) { parser.lineNumber + 1 }
        try reader.forEachBlock(of: input, options: options) { bytes in parser.parse(bytes) }
        return ImportResult(profile: parser.finish(), diagnostics: parser.diagnostics(file: input.name))
    }
}

/// Line-by-line state of the folded parser.
struct FoldedParser {
    /// Demangle mangled frame names (`ImportOptions.demangle`).
    let demangle: Bool
    private var builder = ProfileBuilder(sampleTypes: [.samples],
                                         sourceFormat: FoldedImporter.formatName,
                                         sourceTraits: [.countsAreSamples, .namesAreStackText])
    private var frameKeys = ByteTable(capacity: 4096)
    private var stack: [LocationID] = []
    /// Nil until the first data line decides between one and two count columns.
    private var columns: Int?
    private(set) var lineNumber = 0
    private var invalid = SkippedSummary(kind: "invalid folded line (expected `frame;frame;... COUNT`)")
    private var fractional = SkippedSummary(kind: "fractional count truncated to an integer")

    init(demangle: Bool) {
        self.demangle = demangle
    }

    mutating func parse(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        var position = 0
        while position < bytes.count {
            let lineEnd = Bytes.find(Bytes.newline, in: base, from: position, to: bytes.count)
            let start = position
            var stop = lineEnd
            position = lineEnd + 1
            lineNumber += 1
            while stop > start && Bytes.isWhitespace(base.load(fromByteOffset: stop - 1, as: UInt8.self)) { stop -= 1 }
            if stop == start || base.load(fromByteOffset: start, as: UInt8.self) == Bytes.hash { continue }
            guard let split = FoldedImporter.countColumns(base, start, stop), split.stackEnd > start else {
                note(\.invalid, base, start, stop)
                continue
            }
            if columns == nil {
                columns = split.counts.count
                if split.counts.count == 2 {
                    builder.sampleTypes = [ValueType(type: "before", unit: "count"),
                                           ValueType(type: "after", unit: "count")]
                    builder.defaultSampleType = 1
                }
            }
            var counts = split.counts
            var stackEnd = split.stackEnd
            if counts.count > columns! {
                // One column expected: the first "count" belongs to the last frame's name (`frame 12 34`).
                stackEnd = counts[0].upperBound
                counts.removeFirst()
            } else if counts.count < columns! {
                note(\.invalid, base, start, stop)
                continue
            }
            var values: [Int64] = []
            for count in counts {
                values.append(parseCount(base, count, start, stop))
            }
            readStack(base, start, stackEnd)
            if stack.isEmpty { continue }
            let id = stack.withUnsafeBufferPointer { builder.intern(stack: $0) }
            builder.add(stack: id, values: values)
        }
    }

    /// Frames between `;`, root first; stored leaf first.
    private mutating func readStack(_ base: UnsafeRawPointer, _ start: Int, _ end: Int) {
        stack.removeAll(keepingCapacity: true)
        var frameStart = start
        while frameStart <= end {
            let frameEnd = Bytes.find(UInt8(ascii: ";"), in: base, from: frameStart, to: end)
            let key = UnsafeRawBufferPointer(start: base + frameStart, count: frameEnd - frameStart)
            let location: LocationID
            if let cached = frameKeys.find(key) {
                location = cached
            } else {
                let annotation = FrameAnnotation.of(key)
                let function = builder.intern(frameFunction(key, annotation: annotation))
                // `name_[i]` is inlined into the frame before it (folding marks inlined lines so).
                location = builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: function)],
                                                   isInlineFrame: annotation == .inlined))
                frameKeys.insert(key, value: location)
            }
            stack.append(location)
            frameStart = frameEnd + 1
        }
        stack.reverse()
    }

    /// The function of a frame: its name as written, or demangled (with its annotation kept at the end).
    private mutating func frameFunction(_ frame: UnsafeRawBufferPointer, annotation: FrameAnnotation?) -> Function {
        let text = String(decoding: frame, as: UTF8.self)
        if demangle {
            let symbol = annotation == nil ? text : String(decoding: frame.dropLast(4), as: UTF8.self)
            if let function = SymbolNames.demangledFunction(symbol, suffix: annotation?.suffix ?? "", into: &builder) {
                return function
            }
        }
        return Function(name: builder.intern(text))
    }

    private mutating func parseCount(_ base: UnsafeRawPointer, _ range: Range<Int>, _ start: Int, _ stop: Int)
        -> Int64 {
        let dot = Bytes.find(UInt8(ascii: "."), in: base, from: range.lowerBound, to: range.upperBound)
        let whole = Bytes.parseDecimal(base, range.lowerBound, dot).map { Int64(clamping: $0) } ?? Int64.max
        guard dot < range.upperBound else { return whole }
        var hasNonZeroFraction = false
        for i in dot + 1 ..< range.upperBound where base.load(fromByteOffset: i, as: UInt8.self) != UInt8(ascii: "0") {
            hasNonZeroFraction = true
        }
        if hasNonZeroFraction { note(\.fractional, base, start, stop) }
        return whole
    }

    private mutating func note(_ kind: WritableKeyPath<FoldedParser, SkippedSummary>, _ base: UnsafeRawPointer,
                               _ start: Int, _ stop: Int) {
        if self[keyPath: kind].firstLine == nil {
            self[keyPath: kind].firstLine = lineNumber
            self[keyPath: kind].example = Bytes.string(base, start, min(stop, start + 120))
        }
        self[keyPath: kind].count += 1
    }

    func finish() -> Profile { builder.build() }

    func diagnostics(file: String) -> [Diagnostic] {
        [invalid, fractional].compactMap { $0.diagnostic(file: file) }
    }
}
