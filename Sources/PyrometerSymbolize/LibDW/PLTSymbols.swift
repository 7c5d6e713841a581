import CLibDW

/// Names for the stubs of a binary's procedure linkage tables (`.plt`, `.plt.sec` where the linker split it for IBT,
/// `.plt.got`), which no symbol table lists: `PyObject_Malloc@plt` for the stub that jumps to `PyObject_Malloc`, as
/// objdump names them. A DWARF-unwound stack often starts in one, and without them the preceding zero-sized symbol
/// (`_init`) would claim its address.
///
/// On x86-64 a stub is named by the GOT slot its `jmp *disp(%rip)` reads, looked up among the dynamic relocations;
/// a slot filled by an IRELATIVE relocation, which names no symbol, is `*ABS*+0xADDEND@plt`. Relocation order is
/// not stub order: glibc's `.rela.plt` lists IRELATIVE slots after the others while its stubs mix them, so perf 6.1,
/// which takes entry `i` of `.rela.plt` for stub `i`, names most of libc's stubs wrongly (docs/unwinding.md). On
/// aarch64 (stubs `adrp; ldr; add; br`) the relocation index is used, as there the order holds.
enum PLTSymbols {
    struct Entry {
        var start: UInt64
        var end: UInt64
        var name: String
    }

    private struct Section {
        var header: GElf_Shdr
        var scn: OpaquePointer
    }

    /// The stubs of `elf` (the binary, whose sections are not NOBITS), at addresses plus `bias`.
    static func entries(of elf: OpaquePointer, bias: UInt64) -> [Entry] {
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { return [] }
        var stringsIndex = 0
        guard elf_getshdrstrndx(elf, &stringsIndex) == 0 else { return [] }
        var sections: [String: Section] = [:]
        var relocationSections: [Section] = []
        var scn: OpaquePointer? = nil
        while let section = elf_nextscn(elf, scn) {
            scn = section
            var sectionHeader = GElf_Shdr()
            guard gelf_getshdr(section, &sectionHeader) != nil, sectionHeader.sh_type != SHT_NOBITS,
                  let name = elf_strptr(elf, stringsIndex, Int(sectionHeader.sh_name)) else { continue }
            let entry = Section(header: sectionHeader, scn: section)
            if sectionHeader.sh_type == SHT_RELA { relocationSections.append(entry) }
            sections[String(cString: name)] = entry
        }
        let found: [Entry]
        switch Int32(header.e_machine) {
        case EM_X86_64: found = x86Stubs(elf, sections: sections, relocations: relocationSections)
        case EM_AARCH64: found = aarch64Stubs(elf, sections: sections)
        default: found = []
        }
        return found.map { Entry(start: $0.start &+ bias, end: $0.end &+ bias, name: $0.name) }
    }

    /// x86-64: every stub holds `[endbr64] [bnd] jmp *disp32(%rip)`; the jump's operand is the GOT slot's address.
    private static func x86Stubs(_ elf: OpaquePointer, sections: [String: Section], relocations: [Section]) -> [Entry] {
        var slotNames: [UInt64: String] = [:]
        for section in relocations {
            forEachRelocation(elf, section) { relocation, symbolName in
                let type = UInt32(truncatingIfNeeded: relocation.r_info)
                switch type {
                case UInt32(R_X86_64_JUMP_SLOT), UInt32(R_X86_64_GLOB_DAT):
                    if let symbolName { slotNames[relocation.r_offset] = symbolName }
                case UInt32(R_X86_64_IRELATIVE):
                    slotNames[relocation.r_offset] = "*ABS*+0x" + String(UInt64(bitPattern: relocation.r_addend), radix: 16)
                default: break
                }
            }
        }
        guard !slotNames.isEmpty else { return [] }
        var result: [Entry] = []
        // With `.plt.sec`, `.plt` holds only the lazy-binding pushes; its jumps go to the header, not to a slot.
        let stubSections = sections[".plt.sec"] != nil ? [".plt.sec", ".plt.got"] : [".plt", ".plt.got"]
        for name in stubSections {
            guard let section = sections[name], let data = elf_getdata(section.scn, nil), let bytes = data.pointee.d_buf
            else { continue }
            // A damaged header must not trap: the entry size is a stub's (8 to 64 bytes), the section fits its data,
            // and addresses wrap rather than overflow.
            let size = data.pointee.d_size
            guard section.header.sh_entsize <= 64, section.header.sh_size <= UInt64(size) else { continue }
            let base = bytes.assumingMemoryBound(to: UInt8.self)
            let entrySize = section.header.sh_entsize >= 8 ? Int(section.header.sh_entsize) : 16
            var offset = name == ".plt" ? entrySize : 0  // `.plt` starts with the resolver's header
            while offset + entrySize <= Int(section.header.sh_size) {
                let start = section.header.sh_addr &+ UInt64(offset)
                if let slot = jumpSlot(base + offset, count: entrySize, address: start), let target = slotNames[slot] {
                    result.append(Entry(start: start, end: start &+ UInt64(entrySize), name: target + "@plt"))
                }
                offset += entrySize
            }
        }
        return result
    }

    /// The GOT slot read by the stub at `address`: `ff 25 disp32`, after an optional `endbr64` and `bnd` prefix.
    private static func jumpSlot(_ stub: UnsafePointer<UInt8>, count: Int, address: UInt64) -> UInt64? {
        var at = 0
        if count >= 4, stub[0] == 0xF3, stub[1] == 0x0F, stub[2] == 0x1E, stub[3] == 0xFA { at = 4 }
        if at < count, stub[at] == 0xF2 { at += 1 }
        guard at + 6 <= count, stub[at] == 0xFF, stub[at + 1] == 0x25 else { return nil }
        var displacement: Int32 = 0
        withUnsafeMutableBytes(of: &displacement) { $0.copyMemory(from: UnsafeRawBufferPointer(start: stub + at + 2, count: 4)) }
        return address &+ UInt64(at + 6) &+ UInt64(bitPattern: Int64(Int32(littleEndian: displacement)))
    }

    /// aarch64: entry `i` of `.rela.plt` is the stub at `.plt + 32 + i * entsize`, as perf and binutils take it.
    private static func aarch64Stubs(_ elf: OpaquePointer, sections: [String: Section]) -> [Entry] {
        guard let stubs = sections[".plt"], let relocations = sections[".rela.plt"] else { return [] }
        guard stubs.header.sh_entsize <= 64, stubs.header.sh_size <= 1 << 32 else { return [] }
        let entrySize = stubs.header.sh_entsize >= 8 ? stubs.header.sh_entsize : 16
        var result: [Entry] = []
        var index: UInt64 = 0
        forEachRelocation(elf, relocations) { _, symbolName in
            let offset = 32 + index * entrySize  // bounded: at most 2^32 relocations of at most 64 bytes
            index += 1
            guard let symbolName, offset + entrySize <= stubs.header.sh_size else { return }
            let start = stubs.header.sh_addr &+ offset
            result.append(Entry(start: start, end: start &+ entrySize, name: symbolName + "@plt"))
        }
        return result
    }

    /// Each relocation of `section` with the name of the symbol it refers to (nil for symbol 0 or an empty name).
    private static func forEachRelocation(
        _ elf: OpaquePointer, _ section: Section, _ body: (GElf_Rela, String?) -> Void
    ) {
        guard section.header.sh_entsize > 0, section.header.sh_link < UInt32(Int32.max), let relocationData = elf_getdata(section.scn, nil),
              let symbolSection = elf_getscn(elf, Int(section.header.sh_link)),
              let symbolData = elf_getdata(symbolSection, nil) else { return }
        var symbolHeader = GElf_Shdr()
        guard gelf_getshdr(symbolSection, &symbolHeader) != nil,
              symbolHeader.sh_type == SHT_DYNSYM || symbolHeader.sh_type == SHT_SYMTAB else { return }
        // As many entries as the data holds (a damaged header may claim more), at most Int32's range.
        let count = min(UInt64(relocationData.pointee.d_size) / section.header.sh_entsize, UInt64(Int32.max))
        for index in 0 ..< Int(count) {
            var relocation = GElf_Rela()
            guard gelf_getrela(relocationData, Int32(index), &relocation) != nil else { return }
            let symbolIndex = Int32(truncatingIfNeeded: relocation.r_info >> 32)
            var symbol = GElf_Sym()
            var name: String?
            if symbolIndex != 0, gelf_getsym(symbolData, symbolIndex, &symbol) != nil,
               let cName = elf_strptr(elf, Int(symbolHeader.sh_link), Int(symbol.st_name)), cName.pointee != 0 {
                name = String(cString: cName)
            }
            body(relocation, name)
        }
    }
}
