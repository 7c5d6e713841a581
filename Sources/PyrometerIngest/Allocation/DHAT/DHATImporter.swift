#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PyrometerModel

/// Reads Valgrind DHAT's JSON output (`valgrind --tool=dhat`, and the Rust `dhat` crate's `dhat-heap.json`).
///
/// Heap mode gives six sample types per allocation stack, all exact counts: `alloc_space/bytes` and
/// `alloc_objects/count` over the whole run (`tb`, `tbk`; the default), `peak_space`/`peak_objects` live at the
/// moment the heap peaked (`gb`, `gbk`), and `end_space`/`end_objects` still live at exit (`eb`, `ebk`: leaks, for
/// a program that frees what it can). Copy mode gives `copy_space/bytes` and `copy_count/count`; ad-hoc mode
/// `adhoc_units/count` and `adhoc_events/count`.
///
/// Stacks end in the caller of the allocator: the frames of valgrind's replacement allocator (in
/// `vgpreload_*.so`) are dropped. Frames valgrind printed at one address are one location (an inline chain, when
/// valgrind read inline information). Names valgrind left mangled (Rust v0, Swift) are demangled.
public struct DHATImporter: ProfileImporter {
    public static let formatName = "dhat"

    public init() {}

    /// Yes when the text starts with `{` and its first key is `"dhatFileVersion"`.
    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        let key = Array("\"dhatFileVersion\"".utf8)
        var index = 0
        func skipSpace() { while index < prefix.count, Bytes.isWhitespace(prefix[index]) { index += 1 } }
        skipSpace()
        guard index < prefix.count else { return isComplete ? .no : .needMoreBytes }
        guard prefix[index] == UInt8(ascii: "{") else { return .no }
        index += 1
        skipSpace()
        let available = min(key.count, prefix.count - index)
        guard prefix[index ..< index + available].elementsEqual(key[..<available]) else { return .no }
        return available == key.count ? .yes : (isComplete ? .no : .needMoreBytes)
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        let bytes = try input.readAll(limit: options.maxInflatedBytes, what: "DHAT file")
        let file: DHATFile
        do {
            file = try JSONDecoder().decode(DHATFile.self, from: Data(bytes))
        } catch {
            throw ProfileError(.malformed, "not a valid DHAT file: \(JSONErrors.describe(error))", file: input.name)
        }
        guard file.dhatFileVersion == 2 else {
            throw ProfileError(.malformed, """
                DHAT file version \(file.dhatFileVersion) is not supported (version 2 is, as valgrind 3.15 and later \
                and the Rust dhat crate write it)
                """, file: input.name)
        }
        var builder = DHATProfileBuilder(mode: file.mode ?? "heap", frames: file.ftbl, demangle: options.demangle)
        for (index, point) in file.pps.enumerated() {
            try builder.add(point, index: index, file: input.name)
        }
        if let cmd = file.cmd { builder.comments.append("cmd: " + cmd) }
        if let pid = file.pid { builder.comments.append("pid: \(pid)") }
        return ImportResult(profile: builder.build(), diagnostics: builder.diagnostics(file: input.name))
    }
}
