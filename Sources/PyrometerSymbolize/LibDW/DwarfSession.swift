import CLibDW
#if canImport(Glibc)
import Glibc
#endif

// Handles are owned: a `DwarfSession` ends its `Dwfl` (and with it every module it reported), so a `DwarfModule` is
// used only while its session lives (sessions are pooled for the process's lifetime: `SessionPool`).

/// Opens `path` for reading if it is a non-empty regular file (after symbolic links), else returns -1: a profile
/// names the files, and a FIFO would block the open, a device (`/dev/zero`) never end.
func openRegularFile(_ path: String) -> Int32 {
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; fstat then refuses it.
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    guard fd >= 0 else { return -1 }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size > 0 else {
        close(fd)
        return -1
    }
    return fd
}

/// A libdwfl session. Not thread-safe (libdw's `Dwfl` is not): one per worker thread.
final class DwarfSession {
    private let dwfl: OpaquePointer

    /// Modules opened in this session, by path and whether their DWARF is read: their indexes are kept for later
    /// lookups.
    private var modules: [String: DwarfModule] = [:]

    init?() {
        guard let dwfl = pyrometer_dwfl_begin_offline() else { return nil }
        self.dwfl = dwfl
    }

    deinit { dwfl_end(dwfl) }

    /// The module for the ELF file at `path`, opened once per session (and once more if its lines are wanted
    /// after its functions).
    /// The name a module is kept by: its path, and whether its DWARF is read.
    static func key(path: String, lines: Bool) -> String { lines ? path : path + "\0functions" }

    func hasModule(_ key: String) -> Bool { modules[key] != nil }

    func module(path: String, lines: Bool = true) -> DwarfModule? {
        let key = Self.key(path: path, lines: lines)
        if let known = modules[key] { return known }
        guard let module = openModule(path: path, lines: lines) else { return nil }
        modules[key] = module
        return module
    }

    /// Reports the ELF file at `path` as a module whose addresses are the file's own virtual addresses.
    private func openModule(path: String, lines: Bool) -> DwarfModule? {
        let fd = openRegularFile(path)
        guard fd >= 0 else { return nil }
        dwfl_report_begin_add(dwfl)
        // libdwfl takes ownership of the descriptor when it succeeds.
        let module = dwfl_report_elf(dwfl, path, path, fd, 0, true)
        dwfl_report_end(dwfl, nil, nil)
        guard let module else {
            close(fd)
            return nil
        }
        return DwarfModule(module: module, lines: lines)
    }

}
