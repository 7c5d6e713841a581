/// A map from `UInt64` keys to `Int32` values: open addressing with a multiplicative hash, for hot loops where
/// `Dictionary`'s seeded SipHash was a fifth of the time (a sample's row, a frame's location).
public struct IntegerIndex: Sendable {
    private var keys: [UInt64]
    private var values: [Int32]
    private var used: [Bool]
    public private(set) var count = 0

    public init(capacity: Int = 64) {
        var size = 64
        while size < capacity * 2 { size <<= 1 }
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        used = Array(repeating: false, count: size)
    }

    @inline(__always)
    private static func slot(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    public subscript(key: UInt64) -> Int32? {
        let mask = keys.count - 1
        var slot = Self.slot(key, mask)
        while used[slot] {
            if keys[slot] == key { return values[slot] }
            slot = (slot + 1) & mask
        }
        return nil
    }

    /// Sets the value of `key` (adding it if new).
    public mutating func set(_ key: UInt64, _ value: Int32) {
        let mask = keys.count - 1
        var slot = Self.slot(key, mask)
        while used[slot] {
            if keys[slot] == key {
                values[slot] = value
                return
            }
            slot = (slot + 1) & mask
        }
        keys[slot] = key
        values[slot] = value
        used[slot] = true
        count += 1
        if count * 2 > keys.count { grow(to: keys.count * 2) }
    }

    public mutating func reserveCapacity(_ capacity: Int) {
        if capacity * 2 > keys.count {
            var size = keys.count
            while size < capacity * 2 { size <<= 1 }
            grow(to: size)
        }
    }

    public mutating func removeAll() {
        for i in used.indices { used[i] = false }
        count = 0
    }

    private mutating func grow(to size: Int) {
        let oldKeys = keys, oldValues = values, oldUsed = used
        keys = Array(repeating: 0, count: size)
        values = Array(repeating: 0, count: size)
        used = Array(repeating: false, count: size)
        let mask = size - 1
        for i in oldKeys.indices where oldUsed[i] {
            var slot = Self.slot(oldKeys[i], mask)
            while used[slot] { slot = (slot + 1) & mask }
            keys[slot] = oldKeys[i]
            values[slot] = oldValues[i]
            used[slot] = true
        }
    }
}
