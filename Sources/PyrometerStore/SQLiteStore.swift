import PyrometerModel
import Foundation
import GRDB

/// The embedded store: one SQLite file in WAL mode (several processes may add at once: writers wait for each
/// other up to the busy timeout), every ingest one transaction, the weekly rollup kept in the same transaction.
public final class SQLiteStore: ProfileStore {
    private let pool: DatabasePool
    public let path: String
    public var displayName: String { "sqlite:" + path }

    /// How long a writer waits for another (a CI fleet adding at once) before giving up.
    public static let busyTimeout: TimeInterval = 120

    public init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StoreError("\(path): cannot create the store's directory \(directory): \(error.localizedDescription)")
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // WAL's default, FULL, syncs on every commit; NORMAL keeps committed transactions across a killed
            // process (only a power loss may roll back the last ones), at a fraction of the cost.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Reads through a memory map instead of a pread per page: a weekly diff looks up thousands of stack
            // texts, and the system calls were 40% of its time.
            try db.execute(sql: "PRAGMA mmap_size = 1073741824")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError("\(path): not a usable Pyrometer store: \(error.message ?? error.description)")
        }
    }

    // MARK: schema

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: profiles, labels, stacks, samples, weekly rollup") { db in
            try db.execute(sql: """
                CREATE TABLE profiles (
                    id INTEGER PRIMARY KEY,
                    service TEXT NOT NULL,
                    sample_type TEXT NOT NULL,
                    unit TEXT NOT NULL,
                    is_default INTEGER NOT NULL,
                    time_nanos INTEGER NOT NULL,
                    duration_nanos INTEGER NOT NULL,
                    week_start INTEGER NOT NULL,
                    source_format TEXT NOT NULL,
                    source TEXT NOT NULL,
                    total INTEGER NOT NULL,
                    stack_count INTEGER NOT NULL,
                    added_nanos INTEGER NOT NULL
                );
                CREATE INDEX profiles_by_service ON profiles(service, sample_type, week_start);
                CREATE INDEX profiles_by_time ON profiles(time_nanos);
                CREATE TABLE profile_labels (
                    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (profile_id, key)
                ) WITHOUT ROWID;
                CREATE INDEX labels_by_value ON profile_labels(key, value);
                CREATE TABLE stacks (
                    hash INTEGER PRIMARY KEY,
                    frames BLOB NOT NULL
                );
                CREATE TABLE samples (
                    profile_id INTEGER NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
                    stack_hash INTEGER NOT NULL,
                    value INTEGER NOT NULL,
                    PRIMARY KEY (profile_id, stack_hash)
                ) WITHOUT ROWID;
                CREATE TABLE weekly_rollup (
                    service TEXT NOT NULL,
                    sample_type TEXT NOT NULL,
                    week_start INTEGER NOT NULL,
                    stack_hash INTEGER NOT NULL,
                    value INTEGER NOT NULL,
                    PRIMARY KEY (service, sample_type, week_start, stack_hash)
                ) WITHOUT ROWID;
                CREATE TABLE weekly_totals (
                    service TEXT NOT NULL,
                    sample_type TEXT NOT NULL,
                    week_start INTEGER NOT NULL,
                    total INTEGER NOT NULL,
                    profiles INTEGER NOT NULL,
                    PRIMARY KEY (service, sample_type, week_start)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2: push keys") { db in
            // A push's Idempotency-Key, what it sent (digest) and the ids it stored; pruned with its week.
            try db.execute(sql: """
                CREATE TABLE push_keys (
                    key TEXT PRIMARY KEY,
                    digest INTEGER NOT NULL,
                    profile_ids TEXT NOT NULL,
                    added_week INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    /// Migrates to the current schema. Two processes opening a new file at once both see it unmigrated; the second
    /// fails on the tables the first made, and finds the migration done when it looks again.
    private static func migrate(_ pool: DatabasePool) throws {
        do {
            try migrator.migrate(pool)
        } catch {
            guard try pool.read({ try migrator.hasCompletedMigrations($0) }) else { throw error }
        }
    }

    // MARK: writing

    public func add(_ profiles: [NewProfile]) throws -> [StoredProfile] {
        for profile in profiles { try profile.validate() }
        return try translatingErrors { try pool.write { db in try Self.insert(profiles, into: db) } }
    }

    /// The key is looked up and kept in the transaction that adds the profiles: a retry waits for the first
    /// attempt's commit and then finds its key.
    public func add(_ profiles: [NewProfile], pushKey: PushKey) throws -> (stored: [StoredProfile], replayed: Bool) {
        for profile in profiles { try profile.validate() }
        return try translatingErrors {
            try pool.write { db in
                if let row = try Row.fetchOne(db, sql: "SELECT digest, profile_ids FROM push_keys WHERE key = ?",
                                              arguments: [pushKey.key]) {
                    var query = ProfileQuery()
                    query.ids = (row[1] as String).split(separator: ",").compactMap { Int64($0) }
                    let earlier = query.ids.isEmpty ? [] : try Self.list(query, in: db)
                    return (try replay(earlier, ids: query.ids, digest: UInt64(bitPattern: row[0]), of: pushKey), true)
                }
                let stored = try Self.insert(profiles, into: db)
                let week = IsoWeek(containingNanos: stored.first?.addedNanos ?? Int64(Date().timeIntervalSince1970 * 1e9))
                try db.execute(sql: "INSERT INTO push_keys VALUES (?, ?, ?, ?)", arguments: [
                    pushKey.key, Int64(bitPattern: pushKey.digest), stored.map { String($0.id) }.joined(separator: ","),
                    week.monday,
                ])
                return (stored, false)
            }
        }
    }

    private static func insert(_ profiles: [NewProfile], into db: Database) throws -> [StoredProfile] {
        let added = Int64(Date().timeIntervalSince1970 * 1e9)
        let insertProfile = try db.makeStatement(sql: """
            INSERT INTO profiles (id, service, sample_type, unit, is_default, time_nanos, duration_nanos,
                week_start, source_format, source, total, stack_count, added_nanos)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertLabel = try db.makeStatement(sql: "INSERT INTO profile_labels VALUES (?, ?, ?)")
        let insertStack = try db.makeStatement(sql: "INSERT INTO stacks VALUES (?, ?) ON CONFLICT DO NOTHING")
        let insertSample = try db.makeStatement(sql: "INSERT INTO samples VALUES (?, ?, ?)")
        let addToRollup = try db.makeStatement(sql: """
            INSERT INTO weekly_rollup VALUES (?, ?, ?, ?, ?)
            ON CONFLICT DO UPDATE SET value = value + excluded.value
            """)
        let addToTotals = try db.makeStatement(sql: """
            INSERT INTO weekly_totals VALUES (?, ?, ?, ?, 1)
            ON CONFLICT DO UPDATE SET total = total + excluded.total, profiles = profiles + 1
            """)
        let idTaken = try db.makeStatement(sql: "SELECT 1 FROM profiles WHERE id = ?")
        var stored: [StoredProfile] = []
        for profile in profiles {
            var id = StoredProfile.newID()
            while try Int.fetchOne(idTaken, arguments: [id]) != nil { id = StoredProfile.newID() }
            let record = profile.stored(id: id, addedNanos: added)
            let week = Int64(record.isoWeek.monday)
            try insertProfile.execute(arguments: [
                id, record.service, record.sampleType, record.unit, record.isDefault, record.timeNanos,
                record.durationNanos, week, record.sourceFormat, record.source, record.total, record.stacks,
                record.addedNanos,
            ])
            for (key, value) in record.labels { try insertLabel.execute(arguments: [id, key, value]) }
            for stack in profile.stacks {
                let hash = Int64(bitPattern: StackValue.hash(stack.frames))
                // A BLOB of the UTF-8 bytes: text binding would end a name at a NUL byte.
                insertStack.setUncheckedArguments([hash, Data(stack.frames.utf8)])
                try insertStack.execute()
                insertSample.setUncheckedArguments([id, hash, stack.value])
                try insertSample.execute()
                addToRollup.setUncheckedArguments([record.service, record.sampleType, week, hash, stack.value])
                try addToRollup.execute()
            }
            try addToTotals.execute(arguments: [record.service, record.sampleType, week, record.total])
            stored.append(record)
        }
        return stored
    }

    public func prune(before week: IsoWeek) throws -> Int {
        try translatingErrors {
            try pool.write { db in
                let cutoff = Int64(week.monday)
                let removed = try Int.fetchOne(db, sql: "SELECT count(*) FROM profiles WHERE week_start < ?",
                                               arguments: [cutoff]) ?? 0
                try db.execute(sql: "DELETE FROM profiles WHERE week_start < ?", arguments: [cutoff])
                try db.execute(sql: "DELETE FROM weekly_rollup WHERE week_start < ?", arguments: [cutoff])
                try db.execute(sql: "DELETE FROM weekly_totals WHERE week_start < ?", arguments: [cutoff])
                try db.execute(sql: "DELETE FROM push_keys WHERE added_week < ?", arguments: [cutoff])
                if removed > 0 {
                    try db.execute(sql: "DELETE FROM stacks WHERE hash NOT IN (SELECT stack_hash FROM samples)")
                }
                return removed
            }
        }
    }

    // MARK: reading

    public func list(_ query: ProfileQuery) throws -> [StoredProfile] {
        try translatingErrors { try pool.read { db in try Self.list(query, in: db) } }
    }

    private static func list(_ query: ProfileQuery, in db: Database) throws -> [StoredProfile] {
        let (condition, arguments) = Self.condition(query)
        var profiles: [StoredProfile] = []
        var indexByID: [Int64: Int] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, service, sample_type, unit, is_default, time_nanos, duration_nanos, source_format,
                   source, total, stack_count, added_nanos
            FROM profiles WHERE \(condition) ORDER BY time_nanos, added_nanos, id
            """, arguments: arguments)
        while let row = try rows.next() {
            let time: Int64 = row[5]
            indexByID[row[0]] = profiles.count
            profiles.append(StoredProfile(
                id: row[0], service: row[1], labels: [:], sampleType: row[2], unit: row[3], isDefault: row[4],
                timeNanos: time, durationNanos: row[6], sourceFormat: row[7], source: row[8], total: row[9],
                stacks: row[10], addedNanos: row[11]))
        }
        let labels = try Row.fetchCursor(db, sql: """
            SELECT profile_id, key, value FROM profile_labels
            WHERE profile_id IN (SELECT id FROM profiles WHERE \(condition))
            """, arguments: arguments)
        while let row = try labels.next() {
            if let index = indexByID[row[0]] { profiles[index].labels[row[1]] = row[2] }
        }
        return profiles
    }

    public func forEachStack(_ query: ProfileQuery, _ body: (UnsafeRawBufferPointer, Int64) throws -> Void) throws {
        try translatingErrors {
            try pool.read { db in
                let sql: String
                let arguments: StatementArguments
                if query.isWeekly, let service = query.service, let type = query.sampleType {
                    let weeks = query.weeks.map { String($0.monday) }.joined(separator: ",")
                    sql = """
                        SELECT stacks.frames, t.value FROM (
                            SELECT stack_hash, sum(value) AS value FROM weekly_rollup
                            WHERE service = ? AND sample_type = ? AND week_start IN (\(weeks))
                            GROUP BY stack_hash) AS t
                        JOIN stacks ON stacks.hash = t.stack_hash
                        """
                    arguments = [service, type]
                } else {
                    let (condition, conditionArguments) = Self.condition(query)
                    sql = """
                        SELECT stacks.frames, t.value FROM (
                            SELECT stack_hash, sum(value) AS value FROM samples
                            WHERE profile_id IN (SELECT id FROM profiles WHERE \(condition))
                            GROUP BY stack_hash) AS t
                        JOIN stacks ON stacks.hash = t.stack_hash
                        """
                    arguments = conditionArguments
                }
                let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                while let row = try rows.next() {
                    let value: Int64 = row[1]
                    guard value != 0 else { continue }
                    // The text as SQLite holds it: no String per stack.
                    try row.withUnsafeData(atIndex: 0) { data in
                        try (data ?? Data()).withUnsafeBytes { try body($0, value) }
                    }
                }
            }
        }
    }

    public func trend(service: String, sampleType: String, function: String) throws -> [TrendPoint] {
        try translatingErrors {
            try pool.read { db in
                var points: [Int: TrendPoint] = [:]
                let totals = try Row.fetchCursor(db, sql: """
                    SELECT week_start, total FROM weekly_totals WHERE service = ? AND sample_type = ?
                    """, arguments: [service, sampleType])
                while let row = try totals.next() {
                    let week = IsoWeek(mondayDays: row[0])
                    points[week.monday] = TrendPoint(week: week, value: 0, total: row[1])
                }
                // Stacks with a frame named `function`: `;frames;` contains `;function;` (as bytes).
                let matched = try Row.fetchCursor(db, sql: """
                    SELECT r.week_start, sum(r.value) FROM weekly_rollup AS r JOIN stacks ON stacks.hash = r.stack_hash
                    WHERE r.service = ? AND r.sample_type = ?
                      AND instr(CAST(';' || stacks.frames || ';' AS BLOB), ?) > 0
                    GROUP BY r.week_start
                    """, arguments: [service, sampleType, Data((";" + function + ";").utf8)])
                while let row = try matched.next() {
                    let monday: Int = row[0]
                    points[monday]?.value = row[1]
                }
                return points.values.sorted { $0.week < $1.week }
            }
        }
    }

    /// The WHERE clause of `query` over `profiles`, with its arguments (never text pasted into SQL).
    static func condition(_ query: ProfileQuery) -> (String, StatementArguments) {
        var clauses: [String] = ["1"]
        var arguments: [(any DatabaseValueConvertible)?] = []
        if !query.ids.isEmpty {
            clauses.append("id IN (" + query.ids.map { _ in "?" }.joined(separator: ",") + ")")
            arguments += query.ids.map { $0 }
        }
        if let service = query.service { clauses.append("service = ?"); arguments.append(service) }
        if let type = query.sampleType { clauses.append("sample_type = ?"); arguments.append(type) }
        if let source = query.source { clauses.append("source = ?"); arguments.append(source) }
        if !query.weeks.isEmpty {
            clauses.append("week_start IN (" + query.weeks.map { _ in "?" }.joined(separator: ",") + ")")
            arguments += query.weeks.map { $0.monday }
        }
        if let from = query.fromNanos { clauses.append("time_nanos >= ?"); arguments.append(from) }
        if let to = query.toNanos { clauses.append("time_nanos < ?"); arguments.append(to) }
        if query.onlyDefaultTypes { clauses.append("is_default = 1") }
        for (key, value) in query.labels.sorted(by: { $0.key < $1.key }) {
            clauses.append("id IN (SELECT profile_id FROM profile_labels WHERE key = ? AND value = ?)")
            arguments += [key, value]
        }
        return (clauses.joined(separator: " AND "), StatementArguments(arguments))
    }

    private func translatingErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            if error.resultCode == .SQLITE_BUSY {
                throw StoreError("\(displayName): still locked by another writer after \(Int(Self.busyTimeout)) s")
            }
            throw StoreError("\(displayName): \(error.message ?? error.description)")
        }
    }
}
