import PyrometerModel

/// A protobuf wire-format reader over bytes in memory: what pprof's own `profile/proto.go` does by hand, without a
/// generated-code dependency. Every read is bounds-checked; a malformed message is an error with its byte offset.
/// `package`: serve's Connect `PushRequest` is read with it too.
package struct ProtoReader {
    package enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    package let bytes: UnsafeRawBufferPointer
    /// Offset of `bytes` in the whole input, for error positions.
    package let base: Int
    /// What the bytes are, for messages: `profile.proto`, `protobuf`.
    package let format: String
    package private(set) var position = 0

    package init(_ bytes: UnsafeRawBufferPointer, base: Int = 0, format: String = "profile.proto") {
        self.bytes = bytes
        self.base = base
        self.format = format
    }

    package var isAtEnd: Bool { position >= bytes.count }

    package func error(_ message: String) -> ProfileError {
        ProfileError(.malformed, "invalid \(format): \(message)", byteOffset: base + position)
    }

    /// The next field's number and wire type.
    package mutating func tag() throws(ProfileError) -> (field: UInt64, wireType: WireType) {
        let key = try varint()
        guard let wireType = WireType(rawValue: UInt8(key & 7)), key >> 3 != 0 else {
            throw error("unsupported wire type \(key & 7) or field 0")
        }
        return (key >> 3, wireType)
    }

    package mutating func varint() throws(ProfileError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw error("truncated varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw error("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    package mutating func int64() throws(ProfileError) -> Int64 { Int64(bitPattern: try varint()) }

    package mutating func lengthDelimited() throws(ProfileError) -> ProtoReader {
        let length = try varint()
        guard length <= UInt64(bytes.count - position) else { throw error("length \(length) past the end") }
        let start = position
        position += Int(length)
        return ProtoReader(UnsafeRawBufferPointer(rebasing: bytes[start ..< position]), base: base + start, format: format)
    }

    package mutating func string() throws(ProfileError) -> String {
        let field = try lengthDelimited()
        return String(decoding: field.bytes, as: UTF8.self)
    }

    /// Skips a field of this wire type.
    package mutating func skip(_ wireType: WireType) throws(ProfileError) {
        switch wireType {
        case .varint: _ = try varint()
        case .lengthDelimited: _ = try lengthDelimited()
        case .fixed64, .fixed32:
            let size = wireType == .fixed64 ? 8 : 4
            guard bytes.count - position >= size else { throw error("truncated fixed field") }
            position += size
        }
    }

    /// A repeated integer field: packed (length-delimited) or one varint per occurrence.
    package mutating func appendIntegers(_ wireType: WireType, to values: inout [UInt64]) throws(ProfileError) {
        switch wireType {
        case .varint:
            values.append(try varint())
        case .lengthDelimited:
            // Packed: at most one value per byte. Room is made once and filled through a pointer, since a
            // uniqueness check per `append` was most of the decoding of a large profile's location ids.
            var packed = try lengthDelimited()
            let oldCount = values.count
            values.append(contentsOf: repeatElement(0, count: packed.bytes.count))
            var count = oldCount
            let decoded = values.withUnsafeMutableBufferPointer { buffer in
                Result { () throws(ProfileError) in
                    while !packed.isAtEnd {
                        buffer[count] = try packed.varint()
                        count += 1
                    }
                }
            }
            values.removeLast(values.count - count)
            try decoded.get()
        default:
            throw error("expected integers, found wire type \(wireType.rawValue)")
        }
    }
}
