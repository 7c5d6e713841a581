#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import PyrometerModel

/// A growable byte buffer that `read(2)` fills in place: no zero-filling before reads (a `[UInt8]` must be
/// initialized before the kernel writes to it, which cost ~13 ms and 16 MiB of touched pages per block), and only
/// the pages actually read are touched.
final class BlockBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes currently held, from `base`.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 4096)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Reads from `input` until the buffer holds `target` bytes or the input ends; returns false at the end.
    func fill(from input: InputFile, to target: Int) throws(ProfileError) -> Bool {
        if target > capacity { grow(to: target) }
        while count < target {
            let n = try input.read(into: UnsafeMutableRawBufferPointer(start: base + count, count: target - count))
            if n == 0 { return false }
            count += n
        }
        return true
    }

    /// Replaces the contents with a copy of `bytes` (which must not point into this buffer).
    func replace(with bytes: UnsafeRawBufferPointer) {
        count = 0
        if bytes.count > capacity { grow(to: bytes.count) }
        if let source = bytes.baseAddress, !bytes.isEmpty { base.copyMemory(from: source, byteCount: bytes.count) }
        count = bytes.count
    }

    private func grow(to newCapacity: Int) {
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        grown.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }
}

/// Reads an input in blocks that end at record boundaries, so that parsers only ever see whole records.
///
/// While `body` works on one block, a background thread reads the next into a second buffer: on a 2-core machine
/// the parse workers would otherwise wait for each `read(2)` (the kernel copy is ~7% of a run).
struct BlockReader {
    /// Where records end: the end of the last complete record in the bytes, or nil if there is none yet.
    var lastBoundary: (UnsafeRawBufferPointer) -> Int?
    /// The error for a record larger than `ImportOptions.maxRecordBytes`, given the block size reached.
    var recordTooLarge: (Int) -> ProfileError

    /// A reader of text lines: a block ends after its last newline; an over-long line is an error at
    /// `nextLine()`, the number of the line being read.
    static func lines(file: String, nextLine: @escaping () -> Int) -> BlockReader {
        BlockReader(
            lastBoundary: { bytes in
                var end = bytes.count
                while end > 0 && bytes[end - 1] != Bytes.newline { end -= 1 }
                return end > 0 ? end : nil
            },
            recordTooLarge: { size in
                ProfileError(.malformed, "a line longer than \(size) bytes", file: file, line: nextLine())
            })
    }

    /// Calls `body` with consecutive blocks of whole records until the input ends. A record that does not fit a
    /// block doubles the block, up to `options.maxRecordBytes` (a hostile input without separators must not be
    /// read whole into memory).
    func forEachBlock(of input: InputFile, options: ImportOptions,
                      _ body: (UnsafeRawBufferPointer) throws(ProfileError) -> Void) throws(ProfileError) {
        var blockSize = max(4096, options.blockSize)
        var current = BlockBuffer(capacity: blockSize)
        var next = BlockBuffer(capacity: blockSize)
        var endOfInput = try !current.fill(from: input, to: blockSize)
        while current.count > 0 {
            guard let usable = endOfInput ? current.count : lastBoundary(current.bytes), usable > 0 else {
                guard blockSize < options.maxRecordBytes else { throw recordTooLarge(blockSize) }
                blockSize *= 2
                endOfInput = try !current.fill(from: input, to: blockSize)
                continue
            }
            // The partial record after the boundary starts the next block, which is read while `body` runs.
            next.replace(with: UnsafeRawBufferPointer(rebasing: current.bytes[usable...]))
            let readAhead = endOfInput ? nil : ReadAhead(input: input, buffer: next, target: blockSize)
            do {
                try body(UnsafeRawBufferPointer(rebasing: current.bytes[..<usable]))
            } catch {
                _ = try? readAhead?.wait()
                throw error
            }
            if let readAhead { endOfInput = try !readAhead.wait() }
            swap(&current, &next)
        }
    }
}

/// One `BlockBuffer.fill` running on a background thread; `wait` returns its result.
private final class ReadAhead: @unchecked Sendable {
    // Written by the background thread before it signals `done`, read by the owner only after `wait`.
    private var result: Result<Bool, ProfileError> = .success(false)
    private let done = DispatchSemaphore(value: 0)

    init(input: InputFile, buffer: BlockBuffer, target: Int) {
        let job = UncheckedFill(input: input, buffer: buffer, target: target)
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            do throws(ProfileError) {
                result = .success(try job.buffer.fill(from: job.input, to: job.target))
            } catch {
                result = .failure(error)
            }
            done.signal()
        }
    }

    /// Whether the input has more bytes (as `BlockBuffer.fill` returns), once the read has finished.
    func wait() throws(ProfileError) -> Bool {
        done.wait()
        return try result.get()
    }
}

/// The input and buffer handed to the read-ahead thread; the owner touches neither until the read is done.
private struct UncheckedFill: @unchecked Sendable {
    let input: InputFile
    let buffer: BlockBuffer
    let target: Int
}
