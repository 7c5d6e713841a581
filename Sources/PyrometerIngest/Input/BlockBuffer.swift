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
