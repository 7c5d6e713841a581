import PyrometerModel

/// Reads heaptrack data files (`heaptrack.NAME.PID.zst` or `.gz`, decompressed on the way in): the text that
/// heaptrack's interpreter writes, file format versions 2 (heaptrack 1.1 and 1.2, and bytehound's
/// `export-heaptrack`) and 3 (heaptrack 1.3 to 1.5).
///
/// Per allocation stack, all exact: `alloc_space/bytes` (the default) and `alloc_objects/count` over the run;
/// `peak_space` and `peak_objects` live at the moment the whole heap peaked, as DHAT counts them; `end_space` and
/// `end_objects` never freed (leaks). Stacks end in the caller of the allocator (`AllocatorFrames`); an
/// instruction's inline frames, which heaptrack records innermost first, become one location's lines.
public struct HeaptrackImporter: ProfileImporter {
    public static let formatName = "heaptrack"

    public init() {}

    /// Yes for a first line `v VERSION FORMAT` of hexadecimal numbers (`v 10400 3`).
    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        guard let base = prefix.baseAddress else { return isComplete ? .no : .needMoreBytes }
        let end = Bytes.find(Bytes.newline, in: base, from: 0, to: prefix.count)
        if end == prefix.count && !isComplete && prefix.count < 64 { return .needMoreBytes }
        let fields = UnsafeRawBufferPointer(rebasing: prefix[..<end]).split(separator: Bytes.space)
        guard fields.count == 3, fields[0].elementsEqual([UInt8(ascii: "v")]),
              fields[1...].allSatisfy({ !$0.isEmpty && $0.count <= 8 && $0.allSatisfy(Bytes.isHexDigit) })
        else { return .no }
        return .yes
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        var parser = HeaptrackParser(file: input.name, demangle: options.demangle)
        let reader = BlockReader.lines(file: input.name) { parser.lineNumber + 1 }
        try reader.forEachBlock(of: input, options: options) { bytes throws(ProfileError) in try parser.parse(bytes) }
        return ImportResult(profile: try parser.finish(), diagnostics: parser.diagnostics)
    }
}
