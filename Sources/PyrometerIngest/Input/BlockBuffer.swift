#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

    /// Drops the first `n` bytes, moving the rest to the front.
    func consume(_ n: Int) {
        precondition(n <= count)
        if n < count { memmove(base, base + n, count - n) }
        count -= n
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
struct BlockReader {
    /// Where records end: the end of the last complete record in the bytes, or nil if there is none yet.
    var lastBoundary: (UnsafeRawBufferPointer) -> Int?
    /// The error for a record larger than `ImportOptions.maxRecordBytes`, given the block size reached.
    var recordTooLarge: (Int) -> ProfileError

    /// Calls `body` with consecutive blocks of whole records until the input ends. A record that does not fit a
    /// block doubles the block, up to `options.maxRecordBytes` (a hostile input without separators must not be
    /// read whole into memory).
    func forEachBlock(of input: InputFile, options: ImportOptions,
                      _ body: (UnsafeRawBufferPointer) throws(ProfileError) -> Void) throws(ProfileError) {
        var blockSize = max(4096, options.blockSize)
        let buffer = BlockBuffer(capacity: blockSize)
        var endOfInput = false
        while !endOfInput || buffer.count > 0 {
            if !endOfInput { endOfInput = try !buffer.fill(from: input, to: blockSize) }
            guard let usable = endOfInput ? buffer.count : lastBoundary(buffer.bytes), usable > 0 else {
                guard blockSize < options.maxRecordBytes else { throw recordTooLarge(blockSize) }
                blockSize *= 2
                continue
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer.bytes[..<usable]))
            buffer.consume(usable)
        }
    }
}
