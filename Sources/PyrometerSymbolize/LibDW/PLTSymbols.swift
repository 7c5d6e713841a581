import CLibDW

/// Names for the entries of a binary's procedure linkage table (`.plt`, or `.plt.sec` where the linker split it
/// for IBT), which no symbol table lists: `PyObject_Malloc@plt` for the stub that jumps to `PyObject_Malloc`, as perf
/// names them (`dso__synthesize_plt_symbols`). A DWARF-unwound stack often starts in one, and without them the
/// preceding zero-sized symbol (`_init`) would claim its address.
///
/// x86-64 and aarch64 layouts: entry `i` of `.rela.plt` is the stub at `.plt.sec + i * entsize`, else at
/// `.plt + header + i * entsize` (header: one entry on x86-64, 32 bytes on aarch64). IRELATIVE slots, which name no
/// symbol, get no name.
enum PLTSymbols {
    struct Entry {
        var start: UInt64
        var end: UInt64
        var name: String
    }

    /// The stubs of `elf` (the binary, whose sections are not NOBITS), at addresses plus `bias`.
    static func entries(of elf: OpaquePointer, bias: UInt64) -> [Entry] {
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { return [] }
        let machine = Int32(header.e_machine)
        guard machine == EM_X86_64 || machine == EM_AARCH64 else { return [] }
        var stringsIndex = 0
        guard elf_getshdrstrndx(elf, &stringsIndex) == 0 else { return [] }
        var plt: GElf_Shdr?, pltSec: GElf_Shdr?
        var relocations: (section: OpaquePointer, header: GElf_Shdr)?
        var scn: OpaquePointer? = nil
        while let section = elf_nextscn(elf, scn) {
            scn = section
            var sectionHeader = GElf_Shdr()
            guard gelf_getshdr(section, &sectionHeader) != nil, sectionHeader.sh_type != SHT_NOBITS,
                  let name = elf_strptr(elf, stringsIndex, Int(sectionHeader.sh_name)) else { continue }
            switch String(cString: name) {
            case ".plt": plt = sectionHeader
            case ".plt.sec": pltSec = sectionHeader
            case ".rela.plt" where sectionHeader.sh_type == SHT_RELA: relocations = (section, sectionHeader)
            default: break
            }
        }
        guard let relocations, let stubs = pltSec ?? plt else { return [] }
        let entrySize = stubs.sh_entsize > 0 ? stubs.sh_entsize : 16
        let first = pltSec != nil ? stubs.sh_addr : stubs.sh_addr + (machine == EM_X86_64 ? entrySize : 32)
        guard let symbolSection = elf_getscn(elf, Int(relocations.header.sh_link)),
              let symbolData = elf_getdata(symbolSection, nil),
              let relocationData = elf_getdata(relocations.section, nil) else { return [] }
        var symbolHeader = GElf_Shdr()
        guard gelf_getshdr(symbolSection, &symbolHeader) != nil else { return [] }
        let count = relocations.header.sh_entsize > 0 ? Int(relocations.header.sh_size / relocations.header.sh_entsize) : 0
        var result: [Entry] = []
        result.reserveCapacity(count)
        for index in 0 ..< count {
            let start = first + UInt64(index) * entrySize
            guard start + entrySize <= stubs.sh_addr + stubs.sh_size else { break }
            var relocation = GElf_Rela()
            guard gelf_getrela(relocationData, Int32(index), &relocation) != nil else { break }
            let symbolIndex = Int32(truncatingIfNeeded: relocation.r_info >> 32)
            var symbol = GElf_Sym()
            guard symbolIndex != 0, gelf_getsym(symbolData, symbolIndex, &symbol) != nil,
                  let name = elf_strptr(elf, Int(symbolHeader.sh_link), Int(symbol.st_name)), name.pointee != 0
            else { continue }
            result.append(Entry(start: start &+ bias, end: start &+ entrySize &+ bias, name: String(cString: name) + "@plt"))
        }
        return result
    }
}
