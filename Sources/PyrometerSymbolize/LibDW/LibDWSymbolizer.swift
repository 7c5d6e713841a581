import PyrometerModel

/// The libdw back end: an ELF file's symbol table, and with `lines` its DWARF inline chains, files and lines, read
/// in the process-wide pool of sessions (a module opened once stays indexed for later profiles).
public struct LibDWSymbolizer: Symbolizer {
    public var demangle: Bool
    /// False: names from the symbol table only, no DWARF read (`--no-inline` folds).
    public var lines: Bool

    public init(demangle: Bool = true, lines: Bool = true) {
        self.demangle = demangle
        self.lines = lines
    }

    public func resolve(_ addresses: ArraySlice<UInt64>, in module: String, into chains: inout ResolvedChains) -> Bool {
        // The session that has the module open (the prefetcher's, a run before), else any.
        guard let session = SessionPool.shared.take(preferring: DwarfSession.key(path: module, lines: lines)) else {
            return false
        }
        defer { SessionPool.shared.give(session) }
        guard let opened = session.module(path: module, lines: lines) else { return false }
        for address in addresses { opened.resolve(address, demangle: demangle, into: &chains) }
        return true
    }
}
