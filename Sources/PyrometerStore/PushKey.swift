import PyrometerModel

/// A client's name for one push (the `Idempotency-Key` header of draft-ietf-httpapi-idempotency-key-header, as
/// `RequestHeaders.idempotencyKey` reads it) and a digest of what the push sent. An agent retries a push whose
/// answer it did not get; when the first attempt was stored and only its answer was lost, the retry carries the
/// same key and digest, and the store answers it with the profiles the first attempt stored instead of storing them
/// twice.
public struct PushKey: Equatable, Sendable {
    public var key: String
    public var digest: UInt64

    public init(key: String, digest: UInt64) {
        self.key = key
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
    /// What a store does with a key it has seen: the same push is answered with what it stored (`earlier`, put back
    /// in the order the push stored them: `ids`), another is refused.
    func replay(_ earlier: [StoredProfile], ids: [Int64], digest: UInt64, of key: PushKey) throws -> [StoredProfile] {
        guard digest == key.digest else { throw PushKeyReused(key: key.key) }
        let rank = Dictionary(ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return earlier.sorted { rank[$0.id, default: .max] < rank[$1.id, default: .max] }
    }
}
