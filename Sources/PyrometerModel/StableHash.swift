/// A fast, stable (unseeded) 64-bit hash for interning and storage keys.
///
/// Swift's `Hasher` is seeded per process, so it can neither be stored nor compared across runs; this one is the
/// same everywhere. It mixes 8 bytes at a time (a multiply-xorshift in the style of wyhash/FxHash) and finishes with
/// a murmur3 avalanche so that table indexes taken from the low bits are well spread.
public enum StableHash {
    @usableFromInline static let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// Hashes `count` bytes at `base`.
    @inlinable
    public static func hash(_ base: UnsafeRawPointer, count: Int, seed: UInt64 = 0) -> UInt64 {
        var h = seed ^ (UInt64(truncatingIfNeeded: count) &* multiplier)
        var i = 0
        while i + 8 <= count {
            let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            h = (h ^ word) &* multiplier
            h ^= h >> 29
            i += 8
        }
        if i < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < count {
                tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* multiplier
            h ^= h >> 29
        }
        return finalize(h)
    }

    /// Hashes a buffer of bytes.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        guard let base = bytes.baseAddress else { return finalize(seed) }
        return hash(base, count: bytes.count, seed: seed)
    }

    /// Hashes the UTF-8 bytes of a string.
    public static func hash(_ string: String, seed: UInt64 = 0) -> UInt64 {
        var copy = string
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0), seed: seed) }
    }

    /// murmur3's 64-bit finalizer.
    @inlinable
    public static func finalize(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        h = h &* 0xC4CE_B9FE_1A85_EC53
        h ^= h >> 33
        return h
    }
}
