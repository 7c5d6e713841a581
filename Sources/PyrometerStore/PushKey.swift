import PyrometerModel

/// A client's name for one push (the `Idempotency-Key` header of draft-ietf-httpapi-idempotency-key-header) and a
/// digest of what the push sent. An agent retries a push whose answer it did not get; when the first attempt was
/// stored and only its answer was lost, the retry carries the same key and digest, and the store answers it with
/// the profiles the first attempt stored instead of storing them twice.
public struct PushKey: Equatable, Sendable {
    public var key: String
    public var digest: UInt64

    /// Longer keys are refused: a UUID is 36 characters, and the key is stored with every push.
    public static let maxLength = 255

    /// `header` as sent: a Structured Fields string (`"…"`, as the draft writes it) or the bare token most clients
    /// send. Printable ASCII without spaces, 1 to `maxLength` characters.
    public init(header: String, digest: UInt64) throws {
        var text = Substring(header.trimmingASCIISpaces())
        if text.count >= 2, text.first == "\"", text.last == "\"" { text = text.dropFirst().dropLast() }
        guard !text.isEmpty, text.utf8.count <= Self.maxLength, text.utf8.allSatisfy({ (0x21 ... 0x7E).contains($0) }) else {
            throw StoreError("Idempotency-Key must be 1 to \(Self.maxLength) printable ASCII characters without spaces "
                             + "(a UUID is usual)")
        }
        key = String(text)
        self.digest = digest
    }
}

/// The same `Idempotency-Key` came with a different push: the client reused a key, which would make the store
/// answer one push with another's profiles. HTTP answers it with 422, as the draft says.
public struct PushKeyReused: UserFacingError, Sendable {
    public var key: String
    public var description: String {
        "Idempotency-Key '\(key)' was used before for a different push: send a new key with each push"
    }
}

extension ProfileStore {
    /// What a store does with a key it has seen: the same push is answered with what it stored, another is refused.
    func replay(_ earlier: [StoredProfile], digest: UInt64, of key: PushKey) throws -> [StoredProfile] {
        guard digest == key.digest else { throw PushKeyReused(key: key.key) }
        return earlier
    }
}

private extension String {
    func trimmingASCIISpaces() -> Substring {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return self[first ... last]
    }
}
