import PyrometerModel

/// Push keys in ClickHouse, which has no transactions: each attempt to add a keyed push first records the key with
/// the ids it is about to publish, then publishes. A key is answered by the first of its records whose profiles
/// were published; records of attempts that never published are ignored (and pruned with their week).
///
/// Two `serve` instances given the same key at the same moment may both store it: the check and the insert are not
/// one step. One instance serializes its writes, so a retry that reaches the instance still writing the first attempt
/// waits for it and is answered from it.
extension ClickHouseStore {
    public func add(_ profiles: [NewProfile], pushKey: PushKey) throws -> (stored: [StoredProfile], replayed: Bool) {
        for profile in profiles { try profile.validate() }
        if let (earlier, ids, digest) = try published(pushKey.key) {
            return (try replay(earlier, ids: ids, digest: digest, of: pushKey), true)
        }
        return (try add(profiles, keyedBy: pushKey), false)
    }

    func keep(_ pushKey: PushKey, for records: [StoredProfile], addedNanos: Int64) throws {
        let ids = records.map { String($0.id) }.joined(separator: ",")
        let week = Self.dateLiteral(IsoWeek(containingNanos: addedNanos))
        try client.execute("""
            INSERT INTO push_keys VALUES (\(Self.literal(pushKey.key)), \(pushKey.digest), [\(ids)], toDate('\(week)'))
            """, idempotent: false)
    }

    /// The profiles a push with `key` published, their ids in the order it stored them, and its digest; nil when
    /// no attempt with that key published.
    private func published(_ key: String) throws -> ([StoredProfile], [Int64], UInt64)? {
        for row in try client.rows("SELECT digest, profile_ids FROM push_keys WHERE key = \(Self.literal(key))") {
            guard row.count == 2, let digest = UInt64(row[0]) else { continue }
            var query = ProfileQuery()
            query.ids = row[1].split(whereSeparator: { !$0.isNumber }).compactMap { Int64($0) }
            guard !query.ids.isEmpty else { continue }
            let profiles = try list(query)
            if !profiles.isEmpty { return (profiles, query.ids, digest) }
        }
        return nil
    }
}
