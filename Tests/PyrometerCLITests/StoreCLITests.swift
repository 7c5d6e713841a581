import Foundation
import PyrometerTestSupport
import Testing

/// `pyrometer store` end to end on the embedded store: the weekly canaries of samples/weekly, store queries as
/// inputs, concurrent writers and killed ingests.
@Suite struct StoreCLITests {
    static let weekly = CLI.repository.appendingPathComponent("samples/weekly").path

    static func freshStore() throws -> String {
        "sqlite:" + (try CLI.temporaryDirectory()).appendingPathComponent("profiles.sqlite").path
    }

    static func addCanaries(_ store: String) throws {
        for week in ["2026-W46", "2026-W47"] {
            for host in ["canary-01", "canary-02", "canary-03"] {
                let added = try CLI.run(["store", "add", "--store", store, "--service", "api", "--label", "host=" + host,
                                         "--time", week, "\(weekly)/\(week)/\(host).folded"])
                try #require(added.status == 0, "\(added.stderr)")
            }
            let heap = try CLI.run(["store", "add", "--store", store, "--service", "api-heap", "--time", week,
                                    "\(weekly)/\(week)/heap.pb.gz"])
            try #require(heap.status == 0, "\(heap.stderr)")
        }
    }

    /// Consistency of a SQLite store, read with Python's sqlite3 (not our code): every profile has exactly its
    /// sample rows, and the rollup and weekly totals equal the sums of the sample rows.
    static func checkConsistency(_ store: String) throws -> Int {
        let path = String(store.dropFirst("sqlite:".count))
        let script = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            bad = db.execute('''SELECT count(*) FROM profiles p WHERE stack_count != (SELECT count(*) FROM samples WHERE profile_id = p.id)
                OR total != (SELECT coalesce(sum(value), 0) FROM samples WHERE profile_id = p.id)''').fetchone()[0]
            summed = '''SELECT p.service, p.sample_type, p.week_start, s.stack_hash, sum(s.value)
                FROM samples s JOIN profiles p ON p.id = s.profile_id GROUP BY 1, 2, 3, 4'''
            kept = 'SELECT service, sample_type, week_start, stack_hash, value FROM weekly_rollup'
            # Rows in one and not the other, both ways (EXCEPT works on every SQLite; FULL JOIN needs 3.39).
            rollup = sum(db.execute(f'SELECT count(*) FROM ({a} EXCEPT {b})').fetchone()[0]
                         for a, b in [(summed, kept), (kept, summed)])
            rollup_sum = db.execute('SELECT coalesce(sum(value), 0) FROM weekly_rollup').fetchone()[0]
            sample_sum = db.execute('SELECT coalesce(sum(value), 0) FROM samples').fetchone()[0]
            totals = db.execute('SELECT coalesce(sum(total), 0), coalesce(sum(profiles), 0) FROM weekly_totals').fetchone()
            profiles = db.execute('SELECT coalesce(sum(total), 0), count(*) FROM profiles').fetchone()
            orphans = db.execute('SELECT count(*) FROM samples WHERE profile_id NOT IN (SELECT id FROM profiles)').fetchone()[0]
            print(profiles[1])
            if bad or rollup or rollup_sum != sample_sum or totals != profiles or orphans:
                print("inconsistent", bad, rollup, rollup_sum, sample_sum, totals, profiles, orphans); sys.exit(1)
            """
        let result = try CLI.run(["python3", "-c", script, path], tool: true)
        #expect(result.status == 0, "\(result.text) \(result.stderr)")
        return Int(result.text.split(separator: "\n").first ?? "") ?? -1
    }

    @Test(ExternalTool.python.needed) func weeklyCanariesListShowAndFeedEveryCommand() throws {
        let store = try Self.freshStore()
        try Self.addCanaries(store)
        #expect(try Self.checkConsistency(store) == 2 * (3 + 4))  // the heap profiles have four sample types

        let listed = try CLI.run(["store", "list", "--store", store, "--service", "api", "--format", "json"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])
        #expect(entries.count == 6)
        for entry in entries {
            #expect(entry["id"] is Int)
            #expect(entry["service"] as? String == "api")
            #expect((entry["labels"] as? [String: String])?["host"]?.hasPrefix("canary-") == true)
            #expect(["2026-W46", "2026-W47"].contains(entry["week"] as? String ?? ""))
            #expect((entry["total"] as? Int ?? 0) > 6000)
        }
        let byLabel = try CLI.run(["store", "list", "--store", store, "host=canary-02", "--week", "2026-W47"])
        #expect(byLabel.text.split(separator: "\n").count == 1, "\(byLabel.text)")

        // A store query is an input like a file: the stored week folds to the same stacks as its three files.
        let query = "store:service=api,week=2026-W47"
        let fromStore = try CLI.run(["fold", "--store", store, query])
        #expect(fromStore.status == 0, "\(fromStore.stderr)")
        let files = ["canary-01", "canary-02", "canary-03"].map { "\(Self.weekly)/2026-W47/\($0).folded" }
        let fromFiles = try CLI.run(["fold"] + files)
        #expect(Set(fromStore.text.split(separator: "\n")) == Set(fromFiles.text.split(separator: "\n")))
        let directory = try CLI.temporaryDirectory()
        let svg = directory.appendingPathComponent("api.svg").path
        let flamegraph = try CLI.run(["flamegraph", "--store", store, query, "-o", svg])
        #expect(flamegraph.status == 0, "\(flamegraph.stderr)")
        #expect(try String(contentsOfFile: svg, encoding: .utf8).contains("hash_block"))
        let shown = try CLI.run(["store", "show", "--store", store, "service=api-heap,week=2026-W46"])
        #expect(shown.text.contains("type=inuse_space*"), "\(shown.text)")

        // Reading a store that does not exist is an error, and leaves no empty store behind.
        let absent = try CLI.temporaryDirectory().appendingPathComponent("none/profiles.sqlite").path
        let list = try CLI.run(["store", "list", "--store", "sqlite:" + absent])
        #expect(list.status == 2 && list.stderr.contains("no store at"), "\(list.stderr)")
        #expect(!FileManager.default.fileExists(atPath: absent))
        // An unknown query is an input error naming the query.
        let missing = try CLI.run(["hotspots", "--store", store, "store:service=nobody"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("service=nobody"))
    }

    /// The stored week-over-week diff is `pyrometer diff`'s: with --per-profile, byte for byte the report of the
    /// same files; from the rollup, the same findings on the summed weeks.
    @Test func storeDiffIsTheDiffOfTheStoredWeeks() throws {
        let store = try Self.freshStore()
        try Self.addCanaries(store)
        var sides: [String] = []
        for (flag, week) in [("--base", "2026-W46"), ("--head", "2026-W47")] {
            for host in ["canary-01", "canary-02", "canary-03"] { sides += [flag, "\(Self.weekly)/\(week)/\(host).folded"] }
        }
        let files = try CLI.run(["diff"] + sides + ["--format", "json", "--limit", "0"])
        let stored = try CLI.run(["store", "diff", "--store", store, "--service", "api", "--base", "2026-W46",
                                  "--head", "2026-W47", "--per-profile", "--format", "json", "--limit", "0"])
        #expect(stored.status == 0, "\(stored.stderr)")
        #expect(stored.stdout == files.stdout)

        let rollup = try CLI.run(["store", "diff", "--store", store, "--service", "api", "--base", "2026-W46",
                                  "--head", "2026-W47", "--format", "json", "--fail-on-regression"])
        #expect(rollup.status == 1, "\(rollup.stderr)")  // hash_block grew
        let report = try #require(try JSONSerialization.jsonObject(with: rollup.stdout) as? [String: Any])
        #expect(report["format"] as? String == "pyrometer-diff")
        let regressed = (report["functions"] as? [[String: Any]] ?? []).filter { $0["regressed"] as? Bool == true }
        #expect(regressed.compactMap { $0["name"] as? String } == ["hash_block"])
        // Date ranges: the same week written as days.
        let ranges = try CLI.run(["store", "diff", "--store", store, "--service", "api", "--base", "2026-11-09..2026-11-15",
                                  "--head", "2026-11-16..2026-11-22", "--format", "json"])
        #expect(ranges.stdout == rollup.stdout)
        // Refinements narrow the stored sides as they narrow files.
        let hidden = try CLI.run(["diff"] + sides + ["--hide", "hash_block", "--format", "json", "--limit", "0"])
        let storedHidden = try CLI.run(["store", "diff", "--store", store, "--service", "api", "--base", "2026-W46",
                                        "--head", "2026-W47", "--per-profile", "--hide", "hash_block", "--format", "json",
                                        "--limit", "0"])
        #expect(storedHidden.status == 0, "\(storedHidden.stderr)")
        #expect(storedHidden.stdout == hidden.stdout && !hidden.text.contains("\"hash_block\""))
        // Allocations of the heap profiles: the gate's 30% growth of main.churn.
        let heap = try CLI.run(["store", "diff", "--store", store, "--service", "api-heap", "--type", "alloc_space",
                                "--base", "2026-W46", "--head", "2026-W47", "--format", "markdown"])
        #expect(heap.text.contains("main.churn"), "\(heap.text)")

        let trend = try CLI.run(["store", "trend", "--store", store, "--service", "api", "--function", "hash_block",
                                 "--format", "json"])
        let weeks = try #require((try JSONSerialization.jsonObject(with: trend.stdout) as? [String: Any])?["weeks"] as? [[String: Any]])
        #expect(weeks.compactMap { $0["week"] as? String } == ["2026-W46", "2026-W47"])
        let shares = weeks.compactMap { $0["share"] as? Double }
        #expect(shares.count == 2 && shares[1] > shares[0] + 0.04, "\(shares)")
    }

    /// A DWARF recording's `perf script` text (perf prints the inlined helper `mix64` as frames of its own) and a
    /// Swift recording (specializations told apart only by their full names) keep what analyses need in the store:
    /// hotspots of the stored profile flag the owners as the recording does, and the helper has no trend of its own.
    @Test func storedProfilesKeepOwnersAndFullNames() throws {
        let store = try Self.freshStore()
        for (service, path) in [("c", "c-clang-inline-dwarf"), ("swift", "swift-generics")] {
            let recording = "Tests/Fixtures/real/\(path)/perf.txt.gz"
            let added = try CLI.run(["store", "add", "--store", store, "--service", service, "--time", "2026-W47",
                                     recording])
            try #require(added.status == 0, "\(added.stderr)")
            let direct = try CLI.run(["hotspots", "--limit", "3", recording])
            let stored = try CLI.run(["hotspots", "--store", store, "--limit", "3", "store:service=\(service)"])
            #expect(stored.status == 0, "\(stored.stderr)")
            // The same totals, rows and findings (folded text keeps the process as a root frame, which is one more
            // function in the count of those not listed).
            func rows(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("(") } }
            #expect(rows(direct.text) == rows(stored.text), "\(direct.text)\n\(stored.text)")
        }
        func share(_ function: String) throws -> Double {
            let trend = try CLI.run(["store", "trend", "--store", store, "--service", "c", "--function", function,
                                     "--format", "json"])
            let weeks = try #require((try JSONSerialization.jsonObject(with: trend.stdout) as? [String: Any])?["weeks"] as? [[String: Any]])
            return weeks.compactMap { $0["share"] as? Double }.first ?? -1
        }
        #expect(try share("encode_frames") > 0.40)
        #expect(try share("mix64") == 0)
    }

    /// Several CI jobs adding at once to one SQLite file: every profile arrives, the store stays consistent.
    @Test(ExternalTool.python.needed) func concurrentWritersLoseNothing() throws {
        let store = try Self.freshStore()
        let file = "\(Self.weekly)/2026-W47/canary-01.folded"
        let writers = 8, addsPerWriter = 4
        let processes: [Process] = try (0 ..< writers).map { writer in
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["store", "add", "--store", store, "--service", "ci", "--label", "job=\(writer)"]
                + Array(repeating: file, count: addsPerWriter)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            return process
        }
        for process in processes { process.waitUntilExit() }
        #expect(processes.allSatisfy { $0.terminationStatus == 0 }, "\(processes.map(\.terminationStatus))")
        #expect(try Self.checkConsistency(store) == writers * addsPerWriter)
        let listed = try CLI.run(["store", "list", "--store", store, "--format", "json"])
        let entries = try #require(try JSONSerialization.jsonObject(with: listed.stdout) as? [[String: Any]])
        #expect(Set(entries.compactMap { ($0["labels"] as? [String: String])?["job"] }).count == writers)
    }

    /// An ingest killed at any point leaves the store as if it had finished or never started.
    @Test(ExternalTool.python.needed) func killedIngestLeavesNoPartialProfile() throws {
        let store = try Self.freshStore()
        let directory = try CLI.temporaryDirectory()
        let big = directory.appendingPathComponent("big.folded")
        var text = ""
        for i in 0 ..< 150_000 { text += "app;main;worker_\(i % 97);step_\(i);leaf_\(i % 13) \(i % 50 + 1)\n" }
        try text.write(to: big, atomically: true, encoding: .utf8)
        let first = try CLI.run(["store", "add", "--store", store, "--service", "big", big.path])
        try #require(first.status == 0, "\(first.stderr)")
        var completed = 1, killed = 0
        for delay in [0.05, 0.2, 0.4, 0.6, 0.8, 1.0, 1.3, 1.7] {
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["store", "add", "--store", store, "--service", "big", big.path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killed += 1 } else { completed += 1 }
            #expect(try Self.checkConsistency(store) == completed)
        }
        #expect(killed >= 3, "only \(killed) ingests were killed before they finished")
        // The store still takes profiles after the kills (SQLite recovers its WAL).
        let after = try CLI.run(["store", "add", "--store", store, "--service", "big", "--time", "2026-W40", big.path])
        #expect(after.status == 0, "\(after.stderr)")
        #expect(try Self.checkConsistency(store) == completed + 1)
    }
}
