#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PyrometerModel
import Synchronization

/// The whole of an input in one buffer, for formats that are decoded from memory (pprof's protobuf).
///
/// A gzip input is inflated on a background thread while the caller decodes what has arrived (`bytes(atLeast:)`
/// waits only when the decoder catches up): inflating was an eighth of the time to analyze a large pprof
/// profile, and the second core was idle. The buffer is one reservation of address space of the size limit, so
/// it never moves while the decoder reads it; only the pages written are backed by memory.
public final class InputContents: @unchecked Sendable {
    public let name: String
    /// How many bytes the input will likely hold (see `InputFile.sizeHint`), at most the limit; 0 if unknown.
    public let expectedCount: Int
    private let limit: Int
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes written so far; published by the filler after each block, read by the decoder.
    private let filled = Atomic<Int>(0)
    private let finished = Atomic<Bool>(false)
    private let cancelled = Atomic<Bool>(false)
    /// Broadcast by the filler after each block and at the end; decoders (one or more) wait on it.
    private let progress = ConditionLock()
    /// The filler's error, written before `finished` is set.
    private var failure: ProfileError?

    private static let blockSize = 256 << 10

    /// Reads all of `input` (at most `limit` bytes, else a `tooLarge` error): in the background for a gzip input,
    /// before returning for any other.
    public init(reading input: InputFile, limit: Int) throws(ProfileError) {
        name = input.name
        self.limit = limit
        expectedCount = min(input.sizeHint ?? 0, limit)
        // One byte past the limit tells that the input has more.
        let capacity = limit + 1
        let address = mmap(nil, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        guard let address, address != MAP_FAILED else {
            throw ProfileError(.tooLarge, """
                cannot reserve \(capacity) bytes of address space for the input (\(String(cString: strerror(errno)))); \
                lower --max-inflated-size
                """, file: input.name)
        }
        buffer = UnsafeMutableRawBufferPointer(start: address, count: capacity)
        if input.isInflating {
            // The thread keeps `self` (and so the buffer) alive until it stops writing.
            let source = UncheckedSendable(input)
            Threads.detach { [self] in fill(from: source.value) }
        } else {
            fill(from: input)
        }
    }

    /// Maps a regular file read-only instead of reading it (perf.data files run to gigabytes: its pages are the
    /// page cache's, dropped under memory pressure rather than copied into ours); any other input is read as by
    /// `init(reading:limit:)`.
    public static func mapping(_ input: InputFile, limit: Int) throws(ProfileError) -> InputContents {
        if let (descriptor, size) = input.regularFile, size > 0 {
            // Every page is read: mapping them all at once (MAP_POPULATE) spares a page fault per 16 pages (a
            // sixth of reading a 64 MB DWARF recording; a thread populating ahead of the reader did no better).
            let address = mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, 0)
            if let address, address != MAP_FAILED {
                return InputContents(name: input.name, mapped: UnsafeMutableRawBufferPointer(start: address, count: size))
            }
        }
        return try InputContents(reading: input, limit: limit)
    }

    private init(name: String, mapped: UnsafeMutableRawBufferPointer) {
        self.name = name
        limit = mapped.count
        expectedCount = mapped.count
        buffer = mapped
        filled.store(mapped.count, ordering: .releasing)
        finished.store(true, ordering: .releasing)
    }

    deinit {
        munmap(buffer.baseAddress, buffer.count)
    }

    /// Stops a background filler early (the decoder failed and needs no more bytes).
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    /// The bytes from the start of the input, at least `count` of them unless the input is shorter; waits for the
    /// filler when they have not arrived yet. Rethrows the filler's error (a corrupt or too large gzip stream) when
    /// it stopped before `count` bytes.
    public func bytes(atLeast count: Int) throws(ProfileError) -> UnsafeRawBufferPointer {
        while true {
            let done = finished.load(ordering: .acquiring)
            let available = filled.load(ordering: .acquiring)
            if available >= count || done {
                if done, available < count, let failure { throw failure }
                return UnsafeRawBufferPointer(rebasing: buffer[..<available])
            }
            progress.wait { filled.load(ordering: .relaxed) >= count || finished.load(ordering: .relaxed) }
        }
    }

    private func fill(from input: InputFile) {
        defer { progress.broadcast { finished.store(true, ordering: .releasing) } }
        var count = 0
        do throws(ProfileError) {
            while !cancelled.load(ordering: .relaxed) {
                let end = min(count + Self.blockSize, buffer.count)
                guard end > count else {
                    throw ProfileError(.tooLarge, """
                        input is larger than \(limit) bytes\(input.isInflating ? " inflated" : "") (a limit against \
                        gzip bombs and runaway inputs; raise it with --max-inflated-size)
                        """, file: input.name)
                }
                let n = try input.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[count ..< end]))
                if n == 0 { return }
                count += n
                progress.broadcast { filled.store(count, ordering: .releasing) }
            }
        } catch {
            failure = error
        }
    }
}

/// Hands a value to another thread that is its only user from then on.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
