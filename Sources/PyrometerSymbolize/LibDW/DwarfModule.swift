import CLibDW
import PyrometerDemangle
import PyrometerModel
#if canImport(Glibc)
import Glibc
#endif

// The libdw, libdwfl and libelf calls of Pyrometer are in LibDW/ (demangling is PyrometerDemangle's).

/// One ELF file reported to a session, with the indexes built once for it: a sorted symbol table, a sorted table
/// of compilation-unit ranges, and per unit (on first use) a tree of the address ranges of its functions and
/// inlined calls. libdw's own lookups are not enough: `dwfl_module_addrdie` only finds units listed in
/// `.debug_aranges` (swiftc emits none), `dwarf_getscopes` does not descend into namespaces, Swift modules or
/// nested closures, and `dwfl_module_addrinfo` scans the whole symbol table per call (docs/symbolization.md).
final class DwarfModule {
    private let module: OpaquePointer
    private let dwarf: OpaquePointer?
    private let bias: UInt64

    /// A function symbol; its name stays in the ELF string table (valid while the module is) until it is asked for:
    /// a large binary has hundreds of thousands of symbols and few are looked up.
    private struct Symbol {
        var start: UInt64
        var end: UInt64
        var name: UnsafePointer<CChar>
        var binding: Int32
        /// The position in the symbol table.
        var index: Int32

        /// Whether this alias names the code rather than `other` at the same address. perf's rule
        /// (`choose_best_symbol`), so that perf.data read here and `perf script` text name frames alike (glibc's
        /// weak `madvise` and global `__madvise`, for one): a sized symbol, then a non-weak one, then a global one,
        /// then fewer leading underscores, then the longer name; last, the earlier in the symbol table, as perf keeps
        /// the first of equals (glibc's `__libc_start_main@@GLIBC_2.34` before `__libc_start_main@GLIBC_2.2.5`).
        func isPreferred(over other: Symbol) -> Bool {
            let size = end &- start, otherSize = other.end &- other.start
            if (size == 0) != (otherSize == 0) { return size != 0 }
            let weak = binding == STB_WEAK, otherWeak = other.binding == STB_WEAK
            if weak != otherWeak { return !weak }
            let global = binding == STB_GLOBAL, otherGlobal = other.binding == STB_GLOBAL
            if global != otherGlobal { return global }
            // perf compares the names it prints, demangled (`<usize as core::fmt::Display>::fmt` is longer than
            // the `u64` one it is folded with, though their v0 manglings are the same length).
            let printed = Self.printedName(name), otherPrinted = Self.printedName(other.name)
            let underscores = printed.prefix(while: { $0 == "_" }).count
            let otherUnderscores = otherPrinted.prefix(while: { $0 == "_" }).count
            if underscores != otherUnderscores { return underscores < otherUnderscores }
            if printed.utf8.count != otherPrinted.utf8.count { return printed.utf8.count > otherPrinted.utf8.count }
            return index < other.index
        }

        /// The name as perf prints it: demangled without parameters (`DemangledName.name`), or as it is.
        private static func printedName(_ name: UnsafePointer<CChar>) -> String {
            let symbol = String(cString: name)
            return Demangler.demangle(symbol)?.name ?? symbol
        }
    }
    private lazy var symbols: [Symbol] = buildSymbols()

    private var unitDIEs: [Dwarf_Die] = []
    /// Where each unit's DIEs end in memory (nil when libdw could not say): the walk that indexes a unit never
    /// reads at or past it.
    private var unitEnds: [UnsafeRawPointer?] = []
    private var unitRanges = RangeIndex()
    private var unitFunctions: [FunctionTree?] = []

    /// With `lines: false` the DWARF is never read (for a large library with compressed debug sections, such as
    /// glibc's debug file, inflating them was half of folding a small recording): frames get the function of the
    /// symbol table and no inline chain or position.
    /// Only a session makes one (`DwarfSession.module`), which owns the `Dwfl` the module lives in.
    init(module: OpaquePointer, lines: Bool) {
        self.module = module
        var bias: Dwarf_Addr = 0
        if lines {
            dwarf = dwfl_module_getdwarf(module, &bias)
        } else {
            dwarf = nil
            _ = dwfl_module_getelf(module, &bias)
        }
        self.bias = bias
        buildUnits()
    }


    // MARK: symbols

    private func buildSymbols() -> [Symbol] {
        let count = dwfl_module_getsymtab(module)
        guard count > 0 else { return [] }
        var result: [Symbol] = []
        result.reserveCapacity(Int(count))
        for index in 1 ..< count {
            var symbol = GElf_Sym()
            var address: GElf_Addr = 0
            var section: GElf_Word = 0
            var elf: OpaquePointer?
            guard let name = dwfl_module_getsym_info(module, index, &symbol, &address, &section, &elf, nil),
                  section != SHN_UNDEF else { continue }
            let type = Int32(symbol.st_info & 0xF)
            // Functions, and labels in code (assembly entry points such as the dynamic loader's `_start`), as perf
            // reads them.
            let isLabel = type == STT_NOTYPE && name.pointee != 0 && section != SHN_ABS
                && Self.isExecutable(section: section, of: elf, cache: &executableSections)
            guard type == STT_FUNC || type == STT_GNU_IFUNC || isLabel else { continue }
            result.append(Symbol(start: address, end: address &+ symbol.st_size, name: name,
                                 binding: Int32(symbol.st_info >> 4), index: index))
        }
        var elfBias: Dwarf_Addr = 0
        if let elf = dwfl_module_getelf(module, &elfBias) {
            for entry in PLTSymbols.entries(of: elf, bias: elfBias) {
                guard let name = strdup(entry.name) else { continue }
                ownedNames.append(name)
                result.append(Symbol(start: entry.start, end: entry.end, name: UnsafePointer(name),
                                     binding: Int32(STB_GLOBAL), index: .max))
            }
        }
        // One symbol per address (identical code folded by the linker, C1/C2 constructors, weak and strong names
        // of one libc function), reaching as far as the largest of them.
        result.sort { $0.start != $1.start ? $0.start < $1.start : $0.index < $1.index }
        var unique: [Symbol] = []
        unique.reserveCapacity(result.count)
        for symbol in result {
            guard let last = unique.last, last.start == symbol.start else { unique.append(symbol); continue }
            var chosen = symbol.isPreferred(over: last) ? symbol : last
            chosen.end = max(last.end, symbol.end)
            unique[unique.count - 1] = chosen
        }
        // Zero-sized symbols reach to the next symbol.
        for i in unique.indices where unique[i].end <= unique[i].start {
            unique[i].end = i + 1 < unique.count ? unique[i + 1].start : unique[i].start &+ 1
        }
        return unique
    }

    /// Names made here (PLT stubs), freed with the module.
    private var ownedNames: [UnsafeMutablePointer<CChar>] = []

    deinit { for name in ownedNames { free(name) } }

    /// Per section index of the symbol table's file: whether it holds code.
    private var executableSections: [GElf_Word: Bool] = [:]

    private static func isExecutable(section: GElf_Word, of elf: OpaquePointer?, cache: inout [GElf_Word: Bool]) -> Bool {
        if let known = cache[section] { return known }
        var header = GElf_Shdr()
        let executable = if let elf, let scn = elf_getscn(elf, Int(section)), gelf_getshdr(scn, &header) != nil {
            header.sh_flags & UInt64(SHF_EXECINSTR) != 0
        } else {
            false
        }
        cache[section] = executable
        return executable
    }

    /// The symbol containing `address` (a virtual address), by binary search.
    func symbol(at address: UInt64) -> String? {
        let table = symbols
        let index = table.partitionPoint { $0.start <= address } - 1
        guard index >= 0, address < table[index].end else { return nil }
        return String(cString: table[index].name)
    }

    // MARK: units

    private func buildUnits() {
        guard let dwarf else { return }
        var cu: OpaquePointer? = nil
        var next: OpaquePointer? = nil
        var version: Dwarf_Half = 0
        var unitType: UInt8 = 0
        var cudie = Dwarf_Die()
        while dwarf_get_units(dwarf, cu, &next, &version, &unitType, &cudie, nil) == 0 {
            cu = next
            guard unitType == UInt8(DW_UT_compile) || unitType == UInt8(DW_UT_skeleton)
                || unitType == UInt8(DW_UT_partial) else { continue }
            let unit = unitDIEs.count
            var added = false
            var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
            var offset = dwarf_ranges(&cudie, 0, &base, &start, &end)
            while offset > 0 {
                if end > start { unitRanges.append(low: start, high: end, value: Int32(unit)); added = true }
                offset = dwarf_ranges(&cudie, offset, &base, &start, &end)
            }
            if added {
                unitDIEs.append(cudie)
                unitEnds.append(Self.end(ofUnit: &cudie, in: dwarf))
                unitFunctions.append(nil)
            }
        }
        unitRanges.finish()
    }

    /// The end of the unit of `cudie`, in memory: the unit's header starts `dwarf_cuoffset` bytes before its DIE,
    /// and `dwarf_next_unit` gives the offset of the header after it.
    private static func end(ofUnit cudie: inout Dwarf_Die, in dwarf: OpaquePointer) -> UnsafeRawPointer? {
        guard let address = cudie.addr else { return nil }
        let dieOffset = dwarf_dieoffset(&cudie)
        let header = dieOffset &- dwarf_cuoffset(&cudie)
        var next: Dwarf_Off = 0
        guard dwarf_next_unit(dwarf, header, &next, nil, nil, nil, nil, nil, nil, nil) == 0, next > dieOffset else {
            return nil
        }
        return UnsafeRawPointer(address) + Int(next - dieOffset)
    }

    /// The units whose ranges contain `address` (DWARF address), nearest start first.
    private func units(containing address: UInt64) -> [Int] {
        var result: [Int] = []
        for index in unitRanges.containing(address) where !result.contains(Int(unitRanges.values[index])) {
            result.append(Int(unitRanges.values[index]))
        }
        return result
    }

    // MARK: functions of a unit

    /// The address ranges of a unit's functions and inlined calls, as a tree: a node's ranges lie within its parent's.
    struct FunctionTree {
        struct Node {
            var die: Dwarf_Die
            var isInlined: Bool
        }
        var nodes: [Node] = []
        /// The ranges of the unit's functions (subprograms with code).
        var roots = RangeIndex()
        /// The ranges of inlined calls, grouped by the node they were inlined into (`calls` holds the node as the
        /// value, `callParents` the parent), each group sorted by start: one flat table for the whole unit, since a
        /// table per node was most of the allocations of indexing a large program.
        var calls = RangeIndex()
        var callParents: [Int32] = []
        /// Node i's calls are `calls` entries `callStart[i] ..< callStart[i + 1]`.
        var callStart: [Int32] = []
    }

    private func functions(of unit: Int) -> FunctionTree {
        if let tree = unitFunctions[unit] { return tree }
        var tree = FunctionTree()
        var cudie = unitDIEs[unit]
        var child = Dwarf_Die()
        if dwarf_child(&cudie, &child) == 0 {
            var walk = UnitWalk(end: unitEnds[unit])
            _ = collect(&child, parent: -1, depth: 0, into: &tree, walk: &walk)
        }
        tree.roots.finish()
        tree.callParents = tree.calls.finish(groupedBy: tree.callParents)
        tree.callStart = [Int32](repeating: 0, count: tree.nodes.count + 1)
        for parent in tree.callParents { tree.callStart[Int(parent) + 1] += 1 }
        for i in 0 ..< tree.nodes.count { tree.callStart[i + 1] += tree.callStart[i] }
        unitFunctions[unit] = tree
        return tree
    }

    /// Walks `die` and its siblings: subprograms and inlined subroutines with code become nodes; namespaces,
    /// Swift modules, types, lexical blocks and the bodies of functions are descended into.
    /// DIEs nested deeper than this are not walked: real programs stay far below it, and a crafted file must not
    /// exhaust the stack.
    static let maximumDepth = 512

    /// What walking one unit needs besides the tree: where the unit ends, and a buffer for a DIE's ranges.
    private struct UnitWalk {
        var end: UnsafeRawPointer?
        var ranges: [(UInt64, UInt64)] = []
    }

    /// Walks `first` and its siblings, returning the address of the null entry that ends their list when libdw
    /// gave it (nil otherwise).
    ///
    /// Each DIE's bytes are read once. `dwarf_siblingof` on a DIE with children skips its whole subtree, entry by
    /// entry, unless the producer wrote `DW_AT_sibling` (GCC does; Clang, rustc and swiftc do not): called on every
    /// function after its children were walked, it read each DIE once more per level above it, and was a quarter of
    /// symbolizing a Swift program. The end of the children's list is known once they are walked (libdw puts the
    /// address of the null entry in the result when there is no next sibling), and the next sibling starts right
    /// after it; when libdw does not say, `dwarf_siblingof` skips the subtree as before.
    private func collect(_ first: inout Dwarf_Die, parent: Int32, depth: Int, into tree: inout FunctionTree,
                         walk: inout UnitWalk) -> UnsafeMutableRawPointer? {
        var die = first
        while true {
            let tag = dwarf_tag(&die)
            var nodeForChildren = parent
            if tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine {
                walk.ranges.removeAll(keepingCapacity: true)
                var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
                var offset = dwarf_ranges(&die, 0, &base, &start, &end)
                while offset > 0 {
                    if end > start { walk.ranges.append((start, end)) }
                    offset = dwarf_ranges(&die, offset, &base, &start, &end)
                }
                if !walk.ranges.isEmpty {
                    let node = Int32(tree.nodes.count)
                    let inlined = tag == DW_TAG_inlined_subroutine
                    tree.nodes.append(FunctionTree.Node(die: die, isInlined: inlined))
                    for (low, high) in walk.ranges {
                        // A subprogram is a function of its own wherever its DIE sits (Swift nests closures in
                        // the DIE of their generic, code-less parent): it is a root. Inlined calls belong to the
                        // function they were inlined into.
                        if inlined && parent >= 0 {
                            tree.calls.append(low: low, high: high, value: node)
                            tree.callParents.append(parent)
                        } else {
                            tree.roots.append(low: low, high: high, value: node)
                        }
                    }
                    nodeForChildren = node
                }
            }
            // Type DIEs hold member declarations, not code (GCC, Clang, rustc and swiftc put the definitions at
            // namespace or module level): not descending into them skips most of a large program's DWARF.
            let descends = tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_lexical_block
                || tag == DW_TAG_namespace || tag == DW_TAG_module
            var childrenEnd: UnsafeMutableRawPointer?
            if descends && depth < Self.maximumDepth {
                var child = Dwarf_Die()
                if dwarf_child(&die, &child) == 0 {
                    childrenEnd = collect(&child, parent: nodeForChildren, depth: depth + 1, into: &tree, walk: &walk)
                }
            }
            var sibling = Dwarf_Die()
            if let childrenEnd, let unitEnd = walk.end, UnsafeRawPointer(childrenEnd) + 1 < unitEnd,
               childrenEnd.load(as: UInt8.self) == 0 {
                // The entry after the children's null entry: this DIE's next sibling, or the null entry that ends
                // this list.
                let next = childrenEnd + 1
                if next.load(as: UInt8.self) == 0 { return next }
                sibling = Dwarf_Die(addr: next, cu: die.cu, abbrev: nil, padding__: 0)
            } else {
                sibling.addr = nil
                let result = dwarf_siblingof(&die, &sibling)
                guard result == 0 else { return result == 1 ? sibling.addr : nil }
            }
            die = sibling
        }
    }

    /// The chain of nodes whose ranges contain `address`, outermost first: a function, then the calls inlined
    /// into it, each inside the one before.
    private func chain(_ tree: FunctionTree, _ address: UInt64) -> [Int32] {
        guard var node = tree.roots.innermost(containing: address) else { return [] }
        var result = [node]
        while let next = tree.calls.innermost(containing: address, in: Int(tree.callStart[Int(node)]) ..< Int(tree.callStart[Int(node) + 1])) {
            result.append(next)
            node = next
        }
        return result
    }

    // MARK: resolving

    /// The inline chain at virtual address `address`, innermost first; empty when nothing is known. Names are
    /// demangled unless `demangle` is false (linkage names are kept either way).
    func resolve(_ address: UInt64, demangle: Bool = true) -> [ResolvedFrame] {
        var chains = ResolvedChains()
        resolve(address, demangle: demangle, into: &chains)
        return Array(chains[0])
    }

    /// Appends the inline chain at `address` to `chains`, as `resolve(_:demangle:)` gives it.
    func resolve(_ address: UInt64, demangle: Bool, into chains: inout ResolvedChains) {
        defer { chains.endChain() }
        let dwarfAddress = address &- bias
        for unit in units(containing: dwarfAddress) {
            let tree = functions(of: unit)
            let nodes = chain(tree, dwarfAddress)
            guard !nodes.isEmpty else { continue }
            var cudie = unitDIEs[unit]
            // The innermost frame's position comes from the line table; each caller's from the call site
            // attributes of the inlined call below it.
            var position = lineTablePosition(&cudie, unit: unit, dwarfAddress)
            for index in stride(from: nodes.count - 1, through: 0, by: -1) {
                var die = tree.nodes[Int(nodes[index])].die
                var name: String?, linkage: String?
                // The function that owns the code is named by its symbol when there is one, as llvm-symbolizer
                // and perf name it: compilers' clones (`.constprop.0`, `.isra.0`, `.part.0`) are told apart
                // there, and their DWARF often has only the short name.
                if index == 0, let symbol = symbol(at: address) {
                    linkage = symbol
                } else {
                    (name, linkage) = cachedNames(unit: unit, node: nodes[index], &die)
                }
                var shortName: String?
                if let linkage { (name, shortName) = displayName(linkage, demangle: demangle) }
                chains.frames.append(ResolvedFrame(name: name ?? "??", shortName: shortName, linkageName: linkage,
                                                   file: position.file, line: position.line, column: position.column))
                if tree.nodes[Int(nodes[index])].isInlined {
                    position = callSite(&die, unit: unit, &cudie)
                }
            }
            return
        }
        // No function in the DWARF for this address (assembly, or a unit without subprograms): the symbol table
        // gives the function, the line table of a unit covering it (if any) the position.
        guard let name = symbol(at: address) else { return }
        var position: (file: String?, line: Int, column: Int) = (nil, 0, 0)
        for unit in units(containing: dwarfAddress) {
            var cudie = unitDIEs[unit]
            position = lineTablePosition(&cudie, unit: unit, dwarfAddress)
            if position.file != nil { break }
        }
        let (display, shortName) = displayName(name, demangle: demangle)
        chains.frames.append(ResolvedFrame(name: display, shortName: shortName, linkageName: name,
                                           file: position.file, line: position.line, column: position.column))
    }

    /// Demangled names by linkage name, and DIE names by (unit, node): a profile's addresses fall in far fewer
    /// functions than there are addresses, and demangling is the costly part of naming.
    private var demangled: [String: (String, String?)] = [:]
    private var dieNames: [Int: (String?, String?)] = [:]

    /// The name functions are keyed by (`DemangledName.name`: for C++ and Rust as perf prints it) and, when it
    /// differs, the short label.
    private func displayName(_ linkage: String, demangle: Bool) -> (String, String?) {
        guard demangle else { return (linkage, nil) }
        if let known = demangled[linkage] { return known }
        var result: (String, String?) = (linkage, nil)
        if let name = Demangler.demangle(linkage) { result = (name.name, name.short == name.name ? nil : name.short) }
        demangled[linkage] = result
        return result
    }

    private func cachedNames(unit: Int, node: Int32, _ die: inout Dwarf_Die) -> (String?, String?) {
        let key = unit << 32 | Int(node)
        if let known = dieNames[key] { return known }
        let result = names(&die)
        dieNames[key] = result
        return result
    }

    /// (`DW_AT_name`, linkage name) of a function DIE, through `DW_AT_abstract_origin` and `DW_AT_specification`;
    /// the short name is read only when there is no linkage name (which is then what the frame is named by).
    private func names(_ die: inout Dwarf_Die) -> (String?, String?) {
        var attribute = Dwarf_Attribute()
        var linkage: String?
        if dwarf_attr_integrate(&die, UInt32(DW_AT_linkage_name), &attribute) != nil
            || dwarf_attr_integrate(&die, UInt32(DW_AT_MIPS_linkage_name), &attribute) != nil,
           let text = dwarf_formstring(&attribute) {
            linkage = String(cString: text)
        }
        if let linkage { return (nil, linkage) }
        return (dwarf_diename(&die).map { String(cString: $0) }, nil)
    }

    private func lineTablePosition(_ cudie: inout Dwarf_Die, unit: Int,
                                   _ address: UInt64) -> (file: String?, line: Int, column: Int) {
        guard let line = dwarf_getsrc_die(&cudie, address) else { return (nil, 0, 0) }
        var number: Int32 = 0, column: Int32 = 0
        _ = dwarf_lineno(line, &number)
        _ = dwarf_linecol(line, &column)
        let file = dwarf_linesrc(line, nil, nil).map { path($0, unit: unit, &cudie) }
        return (file, Int(number), Int(column))
    }

    private func callSite(_ die: inout Dwarf_Die, unit: Int,
                          _ cudie: inout Dwarf_Die) -> (file: String?, line: Int, column: Int) {
        func number(_ name: Int) -> Int {
            var attribute = Dwarf_Attribute()
            var value: Dwarf_Word = 0
            guard dwarf_attr(&die, UInt32(name), &attribute) != nil, dwarf_formudata(&attribute, &value) == 0 else {
                return 0
            }
            return Int(clamping: value)
        }
        var file: String?
        let fileIndex = number(DW_AT_call_file)
        var files: OpaquePointer?
        var count = 0
        if dwarf_getsrcfiles(&cudie, &files, &count) == 0, let files, fileIndex < count,
           let name = dwarf_filesrc(files, fileIndex, nil, nil) {
            file = path(name, unit: unit, &cudie)
        }
        return (file, number(DW_AT_call_line), number(DW_AT_call_column))
    }

    /// Full paths by (unit, file name in libdw's file table): a unit's addresses share few files, and the table's
    /// names stay where they are while the module lives.
    private struct FileKey: Hashable {
        var unit: Int
        var name: UnsafePointer<CChar>
    }
    private var paths: [FileKey: String] = [:]

    /// The full path of a file named in `unit`'s file table.
    private func path(_ name: UnsafePointer<CChar>, unit: Int, _ cudie: inout Dwarf_Die) -> String {
        let key = FileKey(unit: unit, name: name)
        if let known = paths[key] { return known }
        let path = joined(String(cString: name), &cudie)
        paths[key] = path
        return path
    }

    /// A relative path from a line table joined with the unit's `DW_AT_comp_dir`, without doubled separators.
    private func joined(_ path: String, _ cudie: inout Dwarf_Die) -> String {
        var full = path
        if !path.hasPrefix("/") {
            var attribute = Dwarf_Attribute()
            if dwarf_attr(&cudie, UInt32(DW_AT_comp_dir), &attribute) != nil,
               let directory = dwarf_formstring(&attribute) {
                full = String(cString: directory) + "/" + path
            }
        }
        guard full.utf8.contains(UInt8(ascii: "/")) else { return full }
        var out: [UInt8] = []
        for byte in full.utf8 where !(byte == UInt8(ascii: "/") && out.last == UInt8(ascii: "/")) { out.append(byte) }
        return String(decoding: out, as: UTF8.self)
    }
}
