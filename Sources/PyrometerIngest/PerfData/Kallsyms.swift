#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PyrometerModel

/// Kernel symbols from a `/proc/kallsyms` text (`address type name [module]`), for naming kernel frames the way
/// perf does: the symbol with the greatest address at or below the frame's.
///
/// The names stay bytes in one buffer (a `String` is made only for a frame that is named), and the text is parsed
/// in place: /proc/kallsyms has over 100,000 lines.
struct Kallsyms {
    /// Text symbols by address; among equal addresses, in file order.
    private var addresses: [UInt64] = []
    /// For each entry of `addresses`, its name's position in `nameBytes` and length.
    private var nameStarts: [UInt32] = []
    private var nameLengths: [UInt16] = []
    private var nameBytes: [UInt8] = []
    /// Added to a recorded address before the look-up: the kernel's relocation (KASLR) at recording time against
    /// the file's (see `relocate`).
    private var slide: UInt64 = 0

    /// Nil when the file cannot be read or lists no address (kallsyms read without privilege shows zeros).
    static func load(path: String) -> Kallsyms? {
        guard let text = readFile(path, limit: 1 << 30) else { return nil }
        return text.withUnsafeBufferPointer { parse($0) }
    }

    /// Parses a kallsyms text.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Kallsyms? {
        guard let base = text.baseAddress, !text.isEmpty else { return nil }
        var result = Kallsyms()
        var entries: [(address: UInt64, index: UInt32)] = []
        var sorted = true
        var position = 0
        let end = text.count
        while position < end {
            let lineEnd = Bytes.find(Bytes.newline, in: base, from: position, to: end)
            defer { position = lineEnd + 1 }
            // address
            var i = position
            while i < lineEnd && isBlank(base[i]) { i += 1 }
            let addressStart = i
            var address: UInt64 = 0
            var overflow = false
            while i < lineEnd, let digit = hexValue(base[i]) {
                if address >> 60 != 0 { overflow = true }
                address = address << 4 | UInt64(digit)
                i += 1
            }
            guard i > addressStart, !overflow, address != 0, i < lineEnd, isBlank(base[i]) else { continue }
            // type: text symbols only (t, T, w, W): data symbols would name code after the last function before them.
            while i < lineEnd && isBlank(base[i]) { i += 1 }
            guard i < lineEnd else { continue }
            let type = base[i]
            i += 1
            guard i < lineEnd, isBlank(base[i]),
                  type == UInt8(ascii: "t") || type == UInt8(ascii: "T") || type == UInt8(ascii: "w")
                    || type == UInt8(ascii: "W") else { continue }
            // name
            while i < lineEnd && isBlank(base[i]) { i += 1 }
            let nameStart = i
            while i < lineEnd && !isBlank(base[i]) { i += 1 }
            let length = i - nameStart
            guard length > 0, length <= Int(UInt16.max), result.nameBytes.count <= Int(UInt32.max) - length else {
                continue
            }
            if let last = entries.last, last.address > address { sorted = false }
            entries.append((address, UInt32(result.nameStarts.count)))
            result.nameStarts.append(UInt32(result.nameBytes.count))
            result.nameLengths.append(UInt16(length))
            result.nameBytes.append(contentsOf: UnsafeBufferPointer(start: base + nameStart, count: length))
        }
        guard !entries.isEmpty else { return nil }
        if sorted {
            result.addresses = entries.map(\.address)
        } else {
            // File order among equal addresses, so that the same text always names a frame the same way.
            entries.sort { $0.address != $1.address ? $0.address < $1.address : $0.index < $1.index }
            result.addresses = entries.map(\.address)
            let starts = result.nameStarts, lengths = result.nameLengths
            result.nameStarts = entries.map { starts[Int($0.index)] }
            result.nameLengths = entries.map { lengths[Int($0.index)] }
        }
        return result
    }

    @inline(__always)
    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == Bytes.space || byte == Bytes.tab || byte == UInt8(ascii: "\r")
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        if Bytes.isDigit(byte) { return byte &- 0x30 }
        let lower = byte | 0x20
        return lower &- 0x61 < 6 ? lower &- 0x61 &+ 10 : nil
    }

    var count: Int { addresses.count }

    func name(at recorded: UInt64) -> String? {
        let address = recorded &+ slide
        let low = addresses.partitionPoint { $0 <= address }
        return low > 0 ? name(of: low - 1) : nil
    }

    private func name(of index: Int) -> String {
        let start = Int(nameStarts[index])
        return String(decoding: nameBytes[start ..< start + Int(nameLengths[index])], as: UTF8.self)
    }

    /// The address of the first text symbol called `name`.
    func address(of name: String) -> UInt64? {
        let wanted = Array(name.utf8)
        for index in addresses.indices where Int(nameLengths[index]) == wanted.count {
            let start = Int(nameStarts[index])
            if nameBytes[start ..< start + wanted.count].elementsEqual(wanted) { return addresses[index] }
        }
        return nil
    }

    /// Accounts for the kernel's relocation (KASLR): perf records where its reference symbol (`_text`, from the
    /// kernel's MMAP record, `[kernel.kallsyms]_text`) was when recording; when this file has it elsewhere (the
    /// kernel was booted again before the file was saved), recorded addresses are moved by the difference, as
    /// perf's `kallsyms__delta` does.
    mutating func relocate(reference: String, recordedAddress: UInt64) {
        guard recordedAddress != 0, let here = address(of: reference) else { return }
        slide = here &- recordedAddress
    }

    // MARK: - The kernel of this machine, and perf's build-id cache

    /// The running kernel's release (`uname -r`).
    static func runningRelease() -> String? {
        var info = utsname()
        guard uname(&info) == 0 else { return nil }
        return withUnsafeBytes(of: &info.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// The running kernel's build-id: the GNU build-id note in `/sys/kernel/notes` (the kernel's ELF notes, in
    /// the machine's byte order), as lowercase hex.
    static func runningBuildID(notes path: String = "/sys/kernel/notes") -> String? {
        guard let notes = readFile(path, limit: 1 << 20) else { return nil }
        return buildID(inNotes: notes)
    }

    /// The `NT_GNU_BUILD_ID` note of an ELF note list (`namesz`, `descsz`, `type`, then name and descriptor, each
    /// padded to 4 bytes).
    static func buildID(inNotes notes: [UInt8]) -> String? {
        func word(_ at: Int) -> Int {
            var value: UInt32 = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: notes[at ..< at + 4]) }
            return Int(value)
        }
        var position = 0
        while notes.count - position >= 12 {
            let nameSize = word(position), descriptorSize = word(position + 4), type = word(position + 8)
            let nameStart = position + 12
            let descriptorStart = nameStart + (nameSize + 3) & ~3
            let next = descriptorStart + (descriptorSize + 3) & ~3
            guard nameSize <= notes.count, descriptorSize <= notes.count,
                  descriptorStart + descriptorSize <= notes.count else { return nil }
            let descriptor = notes[descriptorStart ..< descriptorStart + descriptorSize]
            let isGNU = nameSize == 4 && notes[nameStart ..< nameStart + 4].elementsEqual("GNU\0".utf8)
            if isGNU && type == 3 /* NT_GNU_BUILD_ID */ {
                return descriptor.isEmpty ? nil : descriptor.lowercaseHex
            }
            position = next
        }
        return nil
    }

    /// A build-id as lowercase hex, or nil when it is not hex (it becomes part of a path); as the symbolizer's
    /// `FileLocator.normalizedBuildID`.
    static func normalizedBuildID(_ text: String) -> String? {
        let lower = text.lowercased()
        guard lower.utf8.count >= 2, lower.utf8.count <= 128, lower.utf8.count % 2 == 0,
              lower.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else { return nil }
        return lower
    }

    /// perf's build-id cache directories, in the order they are searched: `$PERF_BUILDID_DIR` (how perf hands its
    /// cache to `perf archive` and its other scripts; perf itself takes `--buildid-dir` or `buildid.dir` from
    /// ~/.perfconfig), then `$HOME/.debug` (perf's default).
    static func buildIDCacheDirectories() -> [String] {
        var directories: [String] = []
        for (variable, suffix) in [("PERF_BUILDID_DIR", ""), ("HOME", "/.debug")] {
            guard let value = getenv(variable).map({ String(cString: $0) }), !value.isEmpty else { continue }
            var directory = value
            while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
            directory += suffix
            if !directories.contains(directory) { directories.append(directory) }
        }
        return directories
    }

    /// Where perf's build-id cache keeps a kernel's kallsyms: `DIR/[kernel.kallsyms]/BUILDID/kallsyms` (as
    /// `perf record`, `perf buildid-cache` and `perf archive` lay it out). Nil for a build-id that is not hex.
    static func cachePath(directory: String, buildID: String) -> String? {
        guard let buildID = normalizedBuildID(buildID) else { return nil }
        return directory + "/[kernel.kallsyms]/" + buildID + "/kallsyms"
    }

    /// A whole file (also one whose size is unknown, as those of /proc and /sys), up to `limit` bytes.
    private static func readFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR, Int(info.st_size) <= limit else {
            return nil
        }
        var bytes = [UInt8](repeating: 0, count: max(Int(info.st_size) + 1, 1 << 16))
        var filled = 0
        while true {
            if filled == bytes.count {
                guard bytes.count <= limit else { return nil }
                bytes.append(contentsOf: repeatElement(0, count: bytes.count))
            }
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return nil }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }
}

/// The kallsyms back end of `Symbolizer`: kernel addresses (as recorded) to the kernel's function names; no inline
/// frames, no lines.
public struct KallsymsSymbolizer: Symbolizer {
    let symbols: Kallsyms

    /// Nil when the file cannot be read or lists no address.
    public init?(path: String) {
        guard let symbols = Kallsyms.load(path: path) else { return nil }
        self.symbols = symbols
    }

    /// Nil when the text lists no address.
    public init?(text: UnsafeBufferPointer<UInt8>) {
        guard let symbols = Kallsyms.parse(text) else { return nil }
        self.symbols = symbols
    }

    init(_ symbols: Kallsyms) { self.symbols = symbols }

    public func resolve(_ addresses: ArraySlice<UInt64>, in module: String, into chains: inout ResolvedChains) -> Bool {
        for address in addresses {
            if let name = symbols.name(at: address) { chains.frames.append(ResolvedFrame(name: name)) }
            chains.endChain()
        }
        return true
    }
}
