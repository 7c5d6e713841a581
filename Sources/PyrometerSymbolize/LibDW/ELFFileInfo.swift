import CLibDW
#if canImport(Glibc)
import Glibc
#endif

/// What an ELF file says about itself, read with libelf without building any index.
struct ELFFileInfo: Sendable {
    struct LoadSegment: Sendable {
        var fileOffset: UInt64
        var virtualAddress: UInt64
        var fileSize: UInt64
        var memorySize: UInt64
    }

    var buildID: [UInt8]?
    var debugLink: String?
    var loadSegments: [LoadSegment]
    var hasDebugInfo: Bool
    var hasSymbolTable: Bool

    /// Reads the file at `path`; nil when it is not a readable ELF file.
    static func read(path: String) -> ELFFileInfo? {
        let fd = openRegularFile(path)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        _ = elf_version(UInt32(EV_CURRENT))
        guard let elf = elf_begin(fd, ELF_C_READ_MMAP, nil) else { return nil }
        defer { elf_end(elf) }
        guard elf_kind(elf) == ELF_K_ELF else { return nil }
        var header = GElf_Ehdr()
        guard gelf_getehdr(elf, &header) != nil else { return nil }

        var buildIDPointer: UnsafeRawPointer?
        let length = dwelf_elf_gnu_build_id(elf, &buildIDPointer)
        var buildID: [UInt8]?
        if length > 0, let buildIDPointer {
            buildID = Array(UnsafeRawBufferPointer(start: buildIDPointer, count: length))
        }
        var crc: GElf_Word = 0
        let debugLink = dwelf_elf_gnu_debuglink(elf, &crc).map { String(cString: $0) }

        var segments: [LoadSegment] = []
        var count = 0
        if elf_getphdrnum(elf, &count) == 0 {
            for index in 0 ..< count {
                var phdr = GElf_Phdr()
                guard gelf_getphdr(elf, Int32(index), &phdr) != nil, phdr.p_type == PT_LOAD else { continue }
                segments.append(LoadSegment(fileOffset: phdr.p_offset, virtualAddress: phdr.p_vaddr,
                                            fileSize: phdr.p_filesz, memorySize: phdr.p_memsz))
            }
        }
        var hasDebugInfo = false, hasSymbolTable = false
        var sectionIndex = 0
        _ = elf_getshdrstrndx(elf, &sectionIndex)
        var section = elf_nextscn(elf, nil)
        while let current = section {
            var shdr = GElf_Shdr()
            if gelf_getshdr(current, &shdr) != nil {
                if shdr.sh_type == SHT_SYMTAB { hasSymbolTable = true }
                if let name = elf_strptr(elf, sectionIndex, Int(shdr.sh_name)),
                   String(cString: name) == ".debug_info", shdr.sh_type != SHT_NOBITS {
                    hasDebugInfo = true
                }
            }
            section = elf_nextscn(elf, current)
        }
        return ELFFileInfo(buildID: buildID, debugLink: debugLink, loadSegments: segments, hasDebugInfo: hasDebugInfo,
                           hasSymbolTable: hasSymbolTable)
    }

    /// The virtual address of file offset `offset`: through the PT_LOAD segment that contains it (choosing the
    /// segment by the mapping's page offset alone is wrong for lld's layouts).
    func virtualAddress(fileOffset offset: UInt64) -> UInt64? {
        for segment in loadSegments where offset >= segment.fileOffset
            && offset < segment.fileOffset &+ max(segment.fileSize, 1) {
            return offset &- segment.fileOffset &+ segment.virtualAddress
        }
        return nil
    }
}
