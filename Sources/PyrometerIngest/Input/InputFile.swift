#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PyrometerModel

/// A profile input read in blocks with `read(2)`: a file or standard input.
///
/// Blocks rather than one whole-file buffer (or an mmap, whose touched pages count as resident memory) keep memory
/// flat however large the input is. The first bytes are kept so that format detection does not consume them.
public final class InputFile {
    /// The name errors and warnings use: the path, or `<stdin>`.
    public let name: String
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var pushedBack: [UInt8] = []
    /// Set for a compressed input: reads return its decompressed bytes.
    private var inflater: (any Decompressor)?
    /// How many bytes the input will likely yield, when that can be told without reading it: a regular file's size,
    /// or the size a gzip file records in its trailer (modulo 4 GiB, and of its last member only). For reserving
    /// memory, never for bounds.
    public private(set) var sizeHint: Int?
    /// The descriptor and size of a regular file read from its start (not decompressed, nothing consumed for good),
    /// for readers that map it.
    var regularFile: (descriptor: Int32, size: Int)? {
        guard descriptor >= 0, inflater == nil, offset == 0, let sizeHint else { return nil }
        return (descriptor, sizeHint)
    }
    /// True for the decompressed stream of a compressed input.
    public var isInflating: Bool { inflater != nil }
    /// Bytes handed out so far, for byte offsets in errors.
    public private(set) var offset = 0

    /// Opens `path` for reading; `-` means standard input.
    public init(path: String) throws(ProfileError) {
        if path == "-" {
            name = "<stdin>"
            descriptor = 0
            ownsDescriptor = false
            return
        }
        name = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ProfileError(.unreadable, "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw ProfileError(.unreadable, "is a directory, expected a profile file", file: path)
        }
        if (info.st_mode & S_IFMT) == S_IFREG { sizeHint = Int(info.st_size) }
        descriptor = fd
        ownsDescriptor = true
    }

    /// An input over bytes already in memory (tests, decompressed data).
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        descriptor = -1
        ownsDescriptor = false
        pushedBack = bytes
    }

    /// The decompressed stream of a gzip `source`, under the same name, at most `limit` bytes (`package`: serve
    /// inflates request bodies with it).
    package init(decompressing source: InputFile, _ compression: Compression, limit: Int) throws(ProfileError) {
        name = source.name
        descriptor = -1
        ownsDescriptor = false
        switch compression {
        case .gzip: inflater = try GzipInflater(source: source, limit: limit)
        case .zstd: inflater = try ZstdDecompressor(source: source, limit: limit)
        }
        // gzip's trailer ends with ISIZE, the member's inflated size modulo 2^32, little-endian.
        if compression == .gzip, source.descriptor >= 0, let size = source.sizeHint, size >= 18 {
            var trailer: UInt32 = 0
            if pread(source.descriptor, &trailer, 4, off_t(size - 4)) == 4 { sizeHint = Int(UInt32(littleEndian: trailer)) }
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// Reads up to `buffer.count` bytes into `buffer`; returns how many were read, 0 at the end of input.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(ProfileError) -> Int {
        guard let target = buffer.baseAddress, buffer.count > 0 else { return 0 }
        if !pushedBack.isEmpty {
            let n = min(buffer.count, pushedBack.count)
            pushedBack.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: n) }
            pushedBack.removeFirst(n)
            offset += n
            return n
        }
        if let inflater {
            let n = try inflater.read(into: buffer)
            offset += n
            return n
        }
        guard descriptor >= 0 else { return 0 }
        while true {
            let n = systemRead(descriptor, target, buffer.count)
            if n >= 0 {
                offset += n
                return n
            }
            if errno == EINTR { continue }
            throw ProfileError(.unreadable, "read failed: \(String(cString: strerror(errno)))", file: name,
                               byteOffset: offset)
        }
    }

    /// Appends up to `maxCount` bytes to `buffer`; returns how many were appended, 0 at the end of input.
    public func read(into buffer: inout [UInt8], maxCount: Int) throws(ProfileError) -> Int {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: maxCount, alignment: 1)
        defer { scratch.deallocate() }
        let n = try read(into: scratch)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<n]))
        return n
    }

    /// Reads until `buffer` holds at least `count` bytes or the input ends.
    public func fill(_ buffer: inout [UInt8], to count: Int) throws(ProfileError) {
        while buffer.count < count {
            if try read(into: &buffer, maxCount: count - buffer.count) == 0 { return }
        }
    }

    /// Puts bytes back in front of the unread input (used after sniffing).
    public func unread(_ bytes: [UInt8]) {
        pushedBack = bytes + pushedBack
        offset -= bytes.count
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.read(fd, buffer, count)
    #else
    return Darwin.read(fd, buffer, count)
    #endif
}

extension InputFile {
    /// The whole input in memory, for formats decoded as one document (JSON, small text profiles); at most
    /// `limit` bytes, else a `tooLarge` error naming `what` (`DHAT file`).
    package func readAll(limit: Int, what: String) throws(ProfileError) -> [UInt8] {
        var bytes: [UInt8] = []
        // `read(into:maxCount:)` appends to what it is given.
        while try read(into: &bytes, maxCount: 1 << 20) > 0 {
            guard bytes.count <= limit else {
                throw ProfileError(.tooLarge, "\(what) larger than \(limit) bytes (raise --max-inflated-size)", file: name)
            }
        }
        return bytes
    }
}
