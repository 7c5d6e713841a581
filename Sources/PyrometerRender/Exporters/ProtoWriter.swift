/// Protobuf wire-format writing, the few primitives profile.proto needs.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func tag(_ field: UInt64, wireType: UInt64) { varint(field << 3 | wireType) }

    /// A varint field; zero is the default and is left out, as proto3 does.
    mutating func field(_ field: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        tag(field, wireType: 0)
        varint(value)
    }

    mutating func field(_ field: UInt64, _ value: Int64) { self.field(field, UInt64(bitPattern: value)) }

    mutating func field(_ field: UInt64, bytes payload: [UInt8]) {
        tag(field, wireType: 2)
        varint(UInt64(payload.count))
        bytes.append(contentsOf: payload)
    }

    mutating func field(_ field: UInt64, string: String) { self.field(field, bytes: Array(string.utf8)) }

    /// An embedded message.
    mutating func field(_ field: UInt64, message: ProtoWriter) { self.field(field, bytes: message.bytes) }

    /// A packed repeated integer field (left out when empty).
    mutating func packed(_ field: UInt64, _ values: some Sequence<UInt64>) {
        var payload = ProtoWriter()
        for value in values { payload.varint(value) }
        guard !payload.bytes.isEmpty else { return }
        self.field(field, bytes: payload.bytes)
    }
}
