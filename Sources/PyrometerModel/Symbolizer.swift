/// Names the machine code of one module. The back ends are libdw (ELF files and their DWARF:
/// `LibDWSymbolizer` in PyrometerSymbolize) and kallsyms (the kernel: `KallsymsSymbolizer` in PyrometerIngest);
/// tests give a fake, so that what is done with names can be checked without binaries.
public protocol Symbolizer: Sendable {
    /// Appends to `chains` one chain per address of `addresses` (sorted and distinct, in the module's own address
    /// space: an ELF file's virtual addresses, the kernel's addresses), innermost inline frame first; an empty chain
    /// where nothing covers the address. Returns false, appending nothing, when the module cannot be read at all.
    func resolve(_ addresses: ArraySlice<UInt64>, in module: String, into chains: inout ResolvedChains) -> Bool
}

/// One frame of an address's inline chain.
public struct ResolvedFrame: Equatable, Sendable {
    /// The function's name (demangled unless asked otherwise).
    public var name: String
    /// Its short label, when it differs (a demangled Swift name's `Module.Type.method(_:_:)`).
    public var shortName: String?
    /// The linkage (mangled) name, when the DWARF or symbol table gave one.
    public var linkageName: String?
    public var file: String?
    public var line: Int
    public var column: Int

    public init(name: String, shortName: String? = nil, linkageName: String? = nil, file: String? = nil,
                line: Int = 0, column: Int = 0) {
        self.name = name
        self.shortName = shortName
        self.linkageName = linkageName
        self.file = file
        self.line = line
        self.column = column
    }
}

/// The inline chains of many addresses in one buffer (an array per address was a tenth of symbolizing 100,000
/// addresses, to make and to free): chain i is `frames[starts[i] ..< starts[i + 1]]`.
public struct ResolvedChains: Sendable {
    public var frames: [ResolvedFrame] = []
    public private(set) var starts: [Int32] = [0]

    public init() {}

    /// The number of chains.
    public var count: Int { starts.count - 1 }

    /// Closes the chain made of the frames appended since the last one (none: an empty chain).
    public mutating func endChain() { starts.append(Int32(frames.count)) }

    public subscript(chain: Int) -> ArraySlice<ResolvedFrame> { frames[Int(starts[chain]) ..< Int(starts[chain + 1])] }
}
