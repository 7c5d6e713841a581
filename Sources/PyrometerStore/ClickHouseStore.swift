import Foundation
import PyrometerModel

/// The fleet store: a ClickHouse server over HTTP, with a schema that Debian's 18.16 runs (MergeTree family, arrays,
/// ids computed in Swift; no LowCardinality, Map, TTL or CODEC).
///
/// Publishing: an ingest writes stack texts, then sample rows, then its rollup rows (one INSERT, one block, so all
/// or none), and last the profile rows. Every query starts from `profiles`, so samples of a killed ingest are never
/// seen. Each profile's rollup INSERT carries a marker row (stack hash 0, value 1): a week's rollup is used only
/// when its marker count equals the week's published profiles, else that week is summed from its sample rows
/// (a killed ingest can leave rollup rows without a profile). Pruning drops whole weekly partitions.
public final class ClickHouseStore: ProfileStore {
    let client: ClickHouseClient
    public let displayName: String

    /// Schema versions, applied in order; each statement is idempotent, so concurrent first uses are harmless.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE IF NOT EXISTS profiles (
                id UInt64, service String, sample_type String, unit String, is_default UInt8, time_nanos Int64,
                duration_nanos Int64, week_start Date, source_format String, source String, total Int64,
                stack_count Int64, added_nanos Int64, label_keys Array(String), label_values Array(String)
            ) ENGINE = MergeTree() PARTITION BY week_start ORDER BY (service, sample_type, week_start, id)
            """,
            "CREATE TABLE IF NOT EXISTS stacks (hash UInt64, frames String) ENGINE = ReplacingMergeTree() ORDER BY hash",
            """
            CREATE TABLE IF NOT EXISTS samples (
                profile_id UInt64, service String, sample_type String, week_start Date, stack_hash UInt64, value Int64
            ) ENGINE = MergeTree() PARTITION BY week_start
              ORDER BY (service, sample_type, week_start, profile_id, stack_hash)
            """,
            """
            CREATE TABLE IF NOT EXISTS weekly_rollup (
                service String, sample_type String, week_start Date, stack_hash UInt64, value Int64
            ) ENGINE = SummingMergeTree() PARTITION BY week_start ORDER BY (service, sample_type, week_start, stack_hash)
            """,
        ],
        [
            // A push's Idempotency-Key, what it sent and the ids an attempt stored (ClickHouse+PushKeys.swift).
            """
            CREATE TABLE IF NOT EXISTS push_keys (key String, digest UInt64, profile_ids Array(UInt64), added_week Date)
            ENGINE = MergeTree() PARTITION BY added_week ORDER BY key
            """,
        ],
    ]

    /// `clickhouse://[user[:password]@]host[:port][/database][?timeout=SECONDS&retries=N]` (port 8123, database
    /// `pyrometer`, timeout 30 s, 4 retries by default).
    public init(url: URLComponents) throws {
        guard let host = url.host, !host.isEmpty else { throw StoreError("clickhouse store URL needs a host: \(url)") }
        let database = url.path.split(separator: "/").first.map(String.init) ?? "pyrometer"
        guard !database.isEmpty, database.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw StoreError("clickhouse database name '\(database)' must be letters, digits and _")
        }
        var timeout: TimeInterval = 30
        var retries = 4
        for item in url.queryItems ?? [] {
            switch item.name {
            case "timeout":
                guard let value = item.value.flatMap(Double.init), value > 0, value <= 3600 else {
                    throw StoreError("clickhouse store URL: timeout must be seconds between 0 and 3600")
                }
                timeout = value
            case "retries":
                guard let value = item.value.flatMap(Int.init), (0 ... 10).contains(value) else {
                    throw StoreError("clickhouse store URL: retries must be 0...10")
                }
                retries = value
            default:
                throw StoreError("clickhouse store URL: unknown parameter '\(item.name)' (known: timeout, retries)")
            }
        }
        var endpoint = URLComponents()
        endpoint.scheme = "http"
        endpoint.host = host
        endpoint.port = url.port ?? 8123
        endpoint.path = "/"
        client = ClickHouseClient(endpoint: endpoint.url!, database: database, user: url.user, password: url.password,
                                  timeout: timeout, retries: retries)
        displayName = "clickhouse://\(host):\(url.port ?? 8123)/\(database)"
        try migrate()
    }

    private func migrate() throws {
        // Usually the schema is current: one query says so.
        do {
            if Int(try client.rows("SELECT max(version) FROM schema_versions").first?.first ?? "") == Self.migrations.count {
                return
            }
        } catch let error as StoreError where !error.isUnreachable {
            // No database or no versions table yet: made below.
        }
        try client.execute("CREATE DATABASE IF NOT EXISTS \(client.database)", idempotent: true, useDatabase: false)
        try client.execute("""
            CREATE TABLE IF NOT EXISTS schema_versions (version UInt32, applied_nanos Int64)
            ENGINE = MergeTree() ORDER BY version
            """, idempotent: true)
        let current = Int(try client.rows("SELECT max(version) FROM schema_versions").first?.first ?? "0") ?? 0
        guard current <= Self.migrations.count else {
            throw StoreError("\(displayName) has schema version \(current), newer than this pyrometer knows "
                             + "(\(Self.migrations.count)): upgrade pyrometer")
        }
        for version in current ..< Self.migrations.count {
            for statement in Self.migrations[version] { try client.execute(statement, idempotent: true) }
            try client.execute("INSERT INTO schema_versions VALUES (\(version + 1), \(Self.now()))", idempotent: true)
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    // MARK: writing

    /// Retried here as a whole (no insert is retried on its own, so that a server that is down costs `retries + 1`
    /// attempts, not their square): a failed attempt leaves only unpublished rows behind, and the next one uses new
    /// ids. But the last insert, which publishes, may have landed with only its answer lost: each attempt after the
    /// first asks whether the one before was published, so that no profile is stored twice.
    public func add(_ profiles: [NewProfile]) throws -> [StoredProfile] {
        for profile in profiles { try profile.validate() }
        return try add(profiles, keyedBy: nil)
    }

    /// `add`, keeping `pushKey` (when given) with each attempt's ids before that attempt publishes: a published
    /// profile's key is always found.
    func add(_ profiles: [NewProfile], keyedBy pushKey: PushKey?) throws -> [StoredProfile] {
        var attempt = 0
        var previous: [StoredProfile] = []
        while true {
            do {
                if !previous.isEmpty, try isPublished(previous) { return previous }
                let added = Self.now()
                previous = profiles.map { $0.stored(id: StoredProfile.newID(), addedNanos: added) }
                if let pushKey { try keep(pushKey, for: previous, addedNanos: added) }
                try insert(profiles, as: previous)
                return previous
            } catch let error as StoreError where error.isUnreachable && attempt < client.retries {
                Thread.sleep(forTimeInterval: 0.25 * Double(1 << attempt))
                attempt += 1
            }
        }
    }

    /// Whether the profile rows of `records` are in (one insert publishes them all, or none).
    private func isPublished(_ records: [StoredProfile]) throws -> Bool {
        let ids = records.map { String($0.id) }.joined(separator: ",")
        let answer = try client.execute("SELECT count() FROM profiles WHERE id IN (\(ids)) FORMAT TabSeparated",
                                        idempotent: false)
        return (Int(String(decoding: answer, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0
    }

    private func insert(_ profiles: [NewProfile], as records: [StoredProfile]) throws {
        var stackRows: [UInt8] = [], sampleRows: [UInt8] = [], rollupRows: [UInt8] = []
        var seenStacks = Set<UInt64>()
        for (profile, record) in zip(profiles, records) {
            let week = Self.dateLiteral(record.isoWeek)
            var prefix: [UInt8] = []
            TabSeparated.escape(record.service, into: &prefix)
            prefix.append(9)
            TabSeparated.escape(record.sampleType, into: &prefix)
            prefix.append(9)
            prefix += Array(week.utf8)
            prefix.append(9)
            let samplePrefix = Array("\(record.id)\t".utf8) + prefix
            var tail: [UInt8] = []  // `hash \t value \n`, shared by the sample and the rollup row
            for stack in profile.stacks {
                let hash = StackValue.hash(stack.frames)
                tail.removeAll(keepingCapacity: true)
                tail.appendDecimal(hash)
                if seenStacks.insert(hash).inserted {
                    stackRows += tail
                    stackRows.append(9)
                    TabSeparated.escape(stack.frames, into: &stackRows)
                    stackRows.append(10)
                }
                tail.append(9)
                tail.appendDecimal(stack.value)
                tail.append(10)
                sampleRows += samplePrefix
                sampleRows += tail
                rollupRows += prefix
                rollupRows += tail
            }
            rollupRows += prefix
            rollupRows.append(contentsOf: "0\t1\n".utf8)  // the marker: one more profile in this week's rollup
        }
        // One block per INSERT, so that each is all or nothing.
        let oneBlock = ["max_insert_block_size": "1000000000"]
        if !stackRows.isEmpty {
            try client.execute("INSERT INTO stacks FORMAT TabSeparated", data: Data(stackRows), settings: oneBlock,
                               idempotent: false)
        }
        if !sampleRows.isEmpty {
            try client.execute("INSERT INTO samples FORMAT TabSeparated", data: Data(sampleRows), settings: oneBlock,
                               idempotent: false)
        }
        try client.execute("INSERT INTO weekly_rollup FORMAT TabSeparated", data: Data(rollupRows), settings: oneBlock,
                           idempotent: false)
        var profileRows = Data()
        let encoder = JSONEncoder()
        for record in records {
            struct Row: Encodable {
                var id: Int64, service: String, sample_type: String, unit: String, is_default: Int, time_nanos: Int64
                var duration_nanos: Int64, week_start: String, source_format: String, source: String, total: Int64
                var stack_count: Int64, added_nanos: Int64, label_keys: [String], label_values: [String]
            }
            let labels = record.labels.sorted { $0.key < $1.key }
            profileRows += try encoder.encode(Row(
                id: record.id, service: record.service, sample_type: record.sampleType, unit: record.unit,
                is_default: record.isDefault ? 1 : 0, time_nanos: record.timeNanos, duration_nanos: record.durationNanos,
                week_start: Self.dateLiteral(record.isoWeek), source_format: record.sourceFormat, source: record.source,
                total: record.total, stack_count: record.stacks, added_nanos: record.addedNanos,
                label_keys: labels.map(\.key), label_values: labels.map(\.value)))
            profileRows.append(10)
        }
        try client.execute("INSERT INTO profiles FORMAT JSONEachRow", data: profileRows, settings: oneBlock,
                           idempotent: false)
    }

    public func prune(before week: IsoWeek) throws -> Int {
        let cutoff = Self.dateLiteral(week)
        let removed = Int(try client.rows("SELECT count() FROM profiles WHERE week_start < toDate('\(cutoff)')")
            .first?.first ?? "0") ?? 0
        // Unpublish first (profiles), then the rest: an interrupted prune leaves nothing visible and is finished
        // by running it again.
        for table in ["profiles", "weekly_rollup", "samples", "push_keys"] {
            let partitions = try client.rows("""
                SELECT DISTINCT partition FROM system.parts
                WHERE database = \(Self.literal(client.database)) AND table = '\(table)' AND active
                """).compactMap(\.first)
            for partition in partitions {
                guard let days = Self.days(fromDate: partition), days < week.monday else { continue }
                try client.execute("ALTER TABLE \(table) DROP PARTITION \(Self.literal(partition))", idempotent: true)
            }
        }
        return removed
    }

    // MARK: reading

    public func list(_ query: ProfileQuery) throws -> [StoredProfile] {
        let data = try client.execute("""
            SELECT id, service, sample_type, unit, is_default, time_nanos, duration_nanos, source_format, source, total,
                   stack_count, added_nanos, label_keys, label_values
            FROM profiles WHERE \(Self.condition(query)) ORDER BY time_nanos, added_nanos, id FORMAT JSONEachRow
            """, settings: ["output_format_json_quote_64bit_integers": "0"], idempotent: true)
        struct Row: Decodable {
            var id: Int64, service: String, sample_type: String, unit: String, is_default: Int, time_nanos: Int64
            var duration_nanos: Int64, source_format: String, source: String, total: Int64, stack_count: Int64
            var added_nanos: Int64, label_keys: [String], label_values: [String]
        }
        let decoder = JSONDecoder()
        return try data.split(separator: 10).map { line in
            let row = try decoder.decode(Row.self, from: Data(line))
            return StoredProfile(
                id: row.id, service: row.service, labels: Dictionary(zip(row.label_keys, row.label_values)) { a, _ in a },
                sampleType: row.sample_type, unit: row.unit, isDefault: row.is_default != 0, timeNanos: row.time_nanos,
                durationNanos: row.duration_nanos, sourceFormat: row.source_format, source: row.source, total: row.total, stacks: row.stack_count,
                addedNanos: row.added_nanos)
        }
    }

    public func forEachStack(_ query: ProfileQuery, _ body: (UnsafeRawBufferPointer, Int64) throws -> Void) throws {
        var parts: [String] = []
        if query.isWeekly, let service = query.service, let type = query.sampleType {
            let (complete, incomplete) = try rollupWeeks(service: service, sampleType: type, weeks: query.weeks)
            if !complete.isEmpty {
                parts.append("""
                    SELECT stack_hash, value FROM weekly_rollup
                    WHERE service = \(Self.literal(service)) AND sample_type = \(Self.literal(type))
                      AND week_start IN (\(complete.map { "toDate('\(Self.dateLiteral($0))')" }.joined(separator: ",")))
                      AND stack_hash != 0
                    """)
            }
            if !incomplete.isEmpty {
                var raw = query
                raw.weeks = incomplete
                parts.append(Self.rawSamples(raw))
            }
        } else {
            parts.append(Self.rawSamples(query))
        }
        guard !parts.isEmpty else { return }
        let data = try client.execute("""
            SELECT frames, value FROM (
                SELECT stack_hash, sum(value) AS value FROM (\(parts.joined(separator: " UNION ALL ")))
                GROUP BY stack_hash HAVING value != 0
            ) ANY LEFT JOIN (SELECT hash AS stack_hash, frames FROM stacks) USING stack_hash FORMAT TabSeparated
            """, idempotent: true)
        try TabSeparated.forEachRow(data) { fields in
            guard fields.count == 2, !fields[0].isEmpty,
                  let value = Int64(String(decoding: fields[1], as: UTF8.self)) else { return }
            try fields[0].withUnsafeBytes { try body($0, value) }
        }
    }

    public func trend(service: String, sampleType: String, function: String) throws -> [TrendPoint] {
        var points: [Int: TrendPoint] = [:]
        for row in try client.rows("""
            SELECT week_start, sum(total) FROM profiles
            WHERE service = \(Self.literal(service)) AND sample_type = \(Self.literal(sampleType)) GROUP BY week_start
            """) {
            guard row.count == 2, let days = Self.days(fromDate: row[0]), let total = Int64(row[1]) else { continue }
            points[days] = TrendPoint(week: IsoWeek(mondayDays: days), value: 0, total: total)
        }
        let weeks = points.keys.sorted().map { IsoWeek(mondayDays: $0) }
        guard !weeks.isEmpty else { return [] }
        let (complete, incomplete) = try rollupWeeks(service: service, sampleType: sampleType, weeks: weeks)
        let matching = "stack_hash IN (SELECT hash FROM stacks WHERE position(concat(';', frames, ';'), "
            + Self.literal(";" + function + ";") + ") > 0)"
        var parts: [String] = []
        if !complete.isEmpty {
            parts.append("""
                SELECT week_start, value FROM weekly_rollup
                WHERE service = \(Self.literal(service)) AND sample_type = \(Self.literal(sampleType))
                  AND week_start IN (\(complete.map { "toDate('\(Self.dateLiteral($0))')" }.joined(separator: ",")))
                  AND \(matching)
                """)
        }
        if !incomplete.isEmpty {
            var raw = ProfileQuery()
            raw.service = service
            raw.sampleType = sampleType
            raw.weeks = incomplete
            parts.append("SELECT week_start, value FROM samples WHERE profile_id IN (SELECT id FROM profiles WHERE "
                         + Self.condition(raw) + ") AND \(matching)")
        }
        for row in try client.rows("SELECT week_start, sum(value) FROM (\(parts.joined(separator: " UNION ALL "))) GROUP BY week_start") {
            guard row.count == 2, let days = Self.days(fromDate: row[0]), let value = Int64(row[1]) else { continue }
            points[days]?.value = value
        }
        return points.values.sorted { $0.week < $1.week }
    }

    /// Which of `weeks` the rollup covers exactly (its marker count equals the published profiles) and which must
    /// be summed from sample rows.
    private func rollupWeeks(service: String, sampleType: String, weeks: [IsoWeek])
        throws -> (complete: [IsoWeek], incomplete: [IsoWeek]) {
        let filter = "service = \(Self.literal(service)) AND sample_type = \(Self.literal(sampleType)) AND week_start IN ("
            + weeks.map { "toDate('\(Self.dateLiteral($0))')" }.joined(separator: ",") + ")"
        // Both counts in one request: a profile row is +1 published, a rollup marker +1 rolled up.
        var published: [Int: Int64] = [:], rolledUp: [Int: Int64] = [:]
        for row in try client.rows("""
            SELECT week_start, sum(p), sum(r) FROM (
                SELECT week_start, 1 AS p, 0 AS r FROM profiles WHERE \(filter)
                UNION ALL
                SELECT week_start, 0 AS p, value AS r FROM weekly_rollup WHERE \(filter) AND stack_hash = 0
            ) GROUP BY week_start
            """) where row.count == 3 {
            guard let days = Self.days(fromDate: row[0]), let p = Int64(row[1]), let r = Int64(row[2]) else { continue }
            if p > 0 { published[days] = p }
            rolledUp[days] = r
        }
        var complete: [IsoWeek] = [], incomplete: [IsoWeek] = []
        for week in Set(weeks).sorted() where published[week.monday] != nil {
            if published[week.monday] == rolledUp[week.monday] { complete.append(week) } else { incomplete.append(week) }
        }
        return (complete, incomplete)
    }

    static func rawSamples(_ query: ProfileQuery) -> String {
        var narrowing = ""
        if let service = query.service { narrowing += " AND service = \(literal(service))" }
        if let type = query.sampleType { narrowing += " AND sample_type = \(literal(type))" }
        return "SELECT stack_hash, value FROM samples WHERE profile_id IN (SELECT id FROM profiles WHERE "
            + condition(query) + ")" + narrowing
    }

    /// The WHERE clause of `query` over `profiles`; every value goes through `literal`.
    static func condition(_ query: ProfileQuery) -> String {
        var clauses = ["1"]
        if !query.ids.isEmpty { clauses.append("id IN (" + query.ids.map(String.init).joined(separator: ",") + ")") }
        if let service = query.service { clauses.append("service = " + literal(service)) }
        if let type = query.sampleType { clauses.append("sample_type = " + literal(type)) }
        if let source = query.source { clauses.append("source = " + literal(source)) }
        if !query.weeks.isEmpty {
            clauses.append("week_start IN (" + query.weeks.map { "toDate('\(dateLiteral($0))')" }.joined(separator: ",") + ")")
        }
        if let from = query.fromNanos { clauses.append("time_nanos >= \(from)") }
        if let to = query.toNanos { clauses.append("time_nanos < \(to)") }
        if query.onlyDefaultTypes { clauses.append("is_default = 1") }
        for (key, value) in query.labels.sorted(by: { $0.key < $1.key }) {
            clauses.append("has(label_keys, \(literal(key))) AND label_values[indexOf(label_keys, \(literal(key)))] = \(literal(value))")
        }
        return clauses.joined(separator: " AND ")
    }

    /// A ClickHouse string literal: `\` and `'` escaped, control characters written as escapes.
    static func literal(_ text: String) -> String {
        var output: [UInt8] = [UInt8(ascii: "'")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "'"), UInt8(ascii: "\\"): output += [UInt8(ascii: "\\"), byte]
            case 0 ..< 0x20:
                let hex = Array("0123456789ABCDEF".utf8)
                output += [UInt8(ascii: "\\"), UInt8(ascii: "x"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "'"))
        return String(decoding: output, as: UTF8.self)
    }

    static func dateLiteral(_ week: IsoWeek) -> String {
        let date = CivilDate(days: week.monday)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(date.year)-\(two(date.month))-\(two(date.day))"
    }

    /// Days since 1970 of a `YYYY-MM-DD` (or `YYYYMMDD`, a partition id) from ClickHouse.
    static func days(fromDate text: String) -> Int? {
        let digits = text.filter(\.isNumber)
        guard digits.count == 8, let value = Int(digits) else { return nil }
        let date = CivilDate(year: value / 10000, month: value / 100 % 100, day: value % 100)
        return date.isValid ? date.days : nil
    }
}
