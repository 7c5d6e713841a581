import Foundation
@testable import PyrometerStore
import PyrometerModel
import Testing

/// The same semantics for both backends, against a real SQLite file and a real ClickHouse server.
@Suite struct ProfileStoreTests {
    static let weekA = "2026-W46", weekB = "2026-W47", weekOld = "2026-W30"

    /// A small history: two services, three weeks, labels, a second sample type.
    static func history() throws -> [[NewProfile]] {
        [
            [try Sample.profile(week: weekA, labels: ["host": "canary-1", "version": "1.0"],
                                stacks: [("api;main;handle;parse", 50), ("api;main;handle;encode", 30), ("api;main;gc", 20)])],
            [try Sample.profile(week: weekA, day: 2, labels: ["host": "canary-2", "version": "1.0"],
                                stacks: [("api;main;handle;parse", 40), ("api;main;gc", 10)])],
            [try Sample.profile(week: weekB, labels: ["host": "canary-1", "version": "1.1"],
                                stacks: [("api;main;handle;parse", 90), ("api;main;handle;encode", 25), ("api;main;gc", 5)]),
             try Sample.profile(week: weekB, labels: ["host": "canary-1", "version": "1.1"], type: "alloc_space",
                                unit: "bytes", isDefault: false, stacks: [("api;main;handle;parse", 4096)])],
            [try Sample.profile(service: "db", week: weekB, stacks: [("db;main;query", 70)])],
            [try Sample.profile(week: weekOld, stacks: [("api;main;legacy", 11)])],
        ]
    }

    static func filled(_ backend: Backend) throws -> (ProfileStore, [StoredProfile]) {
        let store = try backend.freshStore()
        var stored: [StoredProfile] = []
        for input in try history() { stored += try store.add(input) }
        return (store, stored)
    }

    @Test(arguments: Backend.allCases)
    func addedProfilesListWithTheirMetadata(_ backend: Backend) throws {
        let (store, stored) = try Self.filled(backend)
        let all = try store.list(ProfileQuery())
        #expect(all.count == 6)
        #expect(Set(all.map(\.id)) == Set(stored.map(\.id)))
        #expect(Set(all.map(\.id)).count == 6)
        // Oldest first, with what was added.
        #expect(all.map(\.timeNanos) == all.map(\.timeNanos).sorted())
        for profile in stored {
            let listed = try #require(all.first { $0.id == profile.id })
            #expect(listed == profile)
        }
        let first = try #require(all.first { $0.labels["host"] == "canary-1" && $0.week == Self.weekA })
        #expect(first.total == 100)
        #expect(first.stacks == 3)
        #expect(first.service == "api")
        #expect(first.week == "2026-W46")
    }

    @Test(arguments: Backend.allCases)
    func queriesFilterAsTheirRulesSay(_ backend: Backend) throws {
        let (store, stored) = try Self.filled(backend)
        let queries = [
            "service=api", "service=db", "host=canary-1", "host=canary-1,version=1.1", "week=2026-W46",
            "week=2026-W46,week=2026-W47", "type=alloc_space", "default=true", "service=api,from=2026-11-11",
            "from=2026-11-09,to=2026-11-10", "version=2.0", "service=nobody",
            "id=\(stored[0].id),id=\(stored[3].id)", "source=test.folded", "source=other.folded",
        ]
        for text in queries {
            let query = try ProfileQuery(parsing: text)
            let expected = Set(stored.filter { query.matches($0) }.map(\.id))
            let actual = Set(try store.list(query).map(\.id))
            #expect(actual == expected, "\(backend) \(text)")
        }
        #expect(try store.list(ProfileQuery(parsing: "host=canary-1")).count == 3)
    }

    @Test(arguments: Backend.allCases)
    func stacksSumInsideTheEngineAndRollupsAgreeWithSampleRows(_ backend: Backend) throws {
        let (store, stored) = try Self.filled(backend)
        var weekly = ProfileQuery()
        weekly.service = "api"
        weekly.sampleType = "cpu"
        weekly.weeks = [IsoWeek(label: Self.weekA)!]
        #expect(weekly.isWeekly)
        let fromRollup = Sample.sums(try store.stacks(weekly))
        #expect(fromRollup == ["api;main;handle;parse": 90, "api;main;handle;encode": 30, "api;main;gc": 30])
        // The same profiles by a query that must read sample rows (a label filter): the same sums.
        var raw = weekly
        raw.labels = ["version": "1.0"]
        #expect(!raw.isWeekly)
        #expect(Sample.sums(try store.stacks(raw)) == fromRollup)
        // Two weeks together.
        weekly.weeks.append(IsoWeek(label: Self.weekB)!)
        #expect(Sample.sums(try store.stacks(weekly))
                    == ["api;main;handle;parse": 180, "api;main;handle;encode": 55, "api;main;gc": 35])
        // One profile by id; the other sample type of the same input.
        let alloc = try #require(stored.first { $0.sampleType == "alloc_space" })
        #expect(Sample.sums(try store.stacks(ProfileQuery(parsing: "id=\(alloc.id)"))) == ["api;main;handle;parse": 4096])
        // Only default sample types: alloc_space is no input's default, so the query matches nothing, and the
        // rollup (which holds every type) must not answer it.
        let onlyDefaults = try ProfileQuery(parsing: "default=true,service=api,type=alloc_space,week=\(alloc.week)")
        #expect(!onlyDefaults.isWeekly)
        #expect(try store.list(onlyDefaults).isEmpty)
        #expect(try store.stacks(onlyDefaults).isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func storedStacksBecomeAProfile(_ backend: Backend) throws {
        let (store, _) = try Self.filled(backend)
        let (profile, matched) = try StoredStacks.load(ProfileQuery(parsing: "service=api,week=2026-W47"), from: store)
        // Only the default sample type of that week's input (cpu), not its alloc_space.
        #expect(matched.count == 1)
        #expect(profile.sampleTypes.map(\.type) == ["cpu"])
        #expect(profile.total(sampleType: 0) == 120)
        // The week of service api has two sample types; without defaults to choose by, the error names them.
        var noDefaults = try ProfileQuery(parsing: "service=api,week=2026-W47,version=1.1")
        noDefaults.onlyDefaultTypes = false
        let store2 = try backend.freshStore()
        let inputs = try Self.history()[2].map { profile -> NewProfile in
            var copy = profile
            copy.isDefault = false
            return copy
        }
        _ = try store2.add(inputs)
        let error = #expect(throws: StoreError.self) { try StoredStacks.load(noDefaults, from: store2) }
        #expect(error?.description.contains("alloc_space, cpu") == true, "\(String(describing: error))")
        let none = #expect(throws: StoreError.self) { try StoredStacks.load(ProfileQuery(parsing: "service=nobody"), from: store) }
        #expect(none?.description.contains("no stored profiles match") == true)
    }

    @Test(arguments: Backend.allCases)
    func trendGivesEachWeeksShareOfStacksThroughTheFunction(_ backend: Backend) throws {
        let (store, _) = try Self.filled(backend)
        let points = try store.trend(service: "api", sampleType: "cpu", function: "handle")
        #expect(points.map(\.week.label) == [Self.weekOld, Self.weekA, Self.weekB])
        #expect(points.map(\.value) == [0, 120, 115])
        #expect(points.map(\.total) == [11, 150, 120])
        // A frame name, not a substring of one: "handl" and "main;handle" match nothing, "gc" only gc.
        #expect(try store.trend(service: "api", sampleType: "cpu", function: "handl").map(\.value) == [0, 0, 0])
        #expect(try store.trend(service: "api", sampleType: "cpu", function: "gc").map(\.value) == [0, 30, 5])
    }

    @Test(arguments: Backend.allCases)
    func pruneRemovesWholeOldWeeksWithTheirRollups(_ backend: Backend) throws {
        let (store, _) = try Self.filled(backend)
        let removed = try store.prune(before: IsoWeek(label: Self.weekA)!)
        #expect(removed == 1)
        #expect(try store.list(ProfileQuery()).count == 5)
        #expect(try store.list(ProfileQuery(parsing: "week=\(Self.weekOld)")).isEmpty)
        #expect(try store.trend(service: "api", sampleType: "cpu", function: "legacy").isEmpty == false)
        #expect(try store.trend(service: "api", sampleType: "cpu", function: "legacy").allSatisfy { $0.value == 0 })
        var old = ProfileQuery()
        old.service = "api"
        old.sampleType = "cpu"
        old.weeks = [IsoWeek(label: Self.weekOld)!]
        #expect(try store.stacks(old).isEmpty)
        // Newer weeks are untouched, rollups included.
        old.weeks = [IsoWeek(label: Self.weekA)!]
        #expect(Sample.sums(try store.stacks(old)).values.reduce(0, +) == 150)
        #expect(try store.prune(before: IsoWeek(label: Self.weekA)!) == 0)
    }

    /// Names from profiles are data: quotes, backslashes, tabs, markup and non-ASCII text come back unchanged and
    /// never reach the SQL as code.
    @Test(arguments: Backend.allCases)
    func hostileNamesAreStoredAsData(_ backend: Backend) throws {
        let store = try backend.freshStore()
        let frames = [
            "x';DROP TABLE samples;--", "back\\slash\\", "tab\there", "new\nline", "<script>alert(1)</script>",
            "Grüße::ünïcödé", "quote\"s", "emoji🔥", "percent%2C,comma=equals", "nul\u{0}byte", "cr\rreturn",
            String(repeating: "long::", count: 5000),
        ]
        let service = "svc' OR '1'='1"
        let label = "v\\'); DROP TABLE profiles; --"
        let profile = try Sample.profile(service: service, week: Self.weekA, labels: ["k'ey": label],
                                         stacks: frames.enumerated().map { ("root;" + $0.element, Int64($0.offset + 1)) })
        let added = try store.add([profile])
        let listed = try store.list(ProfileQuery())
        #expect(listed == added)
        var query = ProfileQuery()
        query.service = service
        query.labels = ["k'ey": label]
        #expect(try store.list(query).map(\.id) == added.map(\.id))
        query.sampleType = "cpu"
        let expected = Dictionary(uniqueKeysWithValues: frames.enumerated().map { ("root;" + $0.element, Int64($0.offset + 1)) })
        #expect(Sample.sums(try store.stacks(query)) == expected)
        query.labels = [:]
        query.weeks = [IsoWeek(label: Self.weekA)!]
        #expect(Sample.sums(try store.stacks(query)) == expected)
        #expect(try store.trend(service: service, sampleType: "cpu", function: "x';DROP TABLE samples;--").map(\.value) == [1])
        #expect(try store.trend(service: service, sampleType: "cpu", function: "nul\u{0}byte").map(\.value) == [10])
        // Control characters in a service or label are refused with a message, not stored.
        let bad = try Sample.profile(service: "a\u{7}b", week: Self.weekA, stacks: [("a", 1)])
        #expect(throws: StoreError.self) { try store.add([bad]) }
        let reserved = try Sample.profile(week: Self.weekA, labels: ["week": "x"], stacks: [("a", 1)])
        #expect(throws: StoreError.self) { try store.add([reserved]) }
    }

    @Test(arguments: Backend.allCases)
    func reopeningKeepsTheSchemaAndTheProfiles(_ backend: Backend) throws {
        let specification = try backend.freshSpecification()
        let first = try StoreLocation.open(specification)
        let added = try first.add([try Sample.profile(week: Self.weekA, stacks: [("a;b", 3)])])
        let second = try StoreLocation.open(specification)
        #expect(try second.list(ProfileQuery()) == added)
    }
}

@Suite struct StoreQueryAndTimeTests {
    @Test func isoWeeks() throws {
        // 2026-01-01 is a Thursday: week 1 of 2026 starts on Monday 2025-12-29.
        #expect(IsoWeek(containingDay: CivilDate(year: 2026, month: 1, day: 1).days).label == "2026-W01")
        #expect(IsoWeek(containingDay: CivilDate(year: 2025, month: 12, day: 29).days).label == "2026-W01")
        #expect(IsoWeek(containingDay: CivilDate(year: 2025, month: 12, day: 28).days).label == "2025-W52")
        // 2020 has 53 weeks; 2021-01-03 (Sunday) is still in 2020-W53.
        #expect(IsoWeek(containingDay: CivilDate(year: 2021, month: 1, day: 3).days).label == "2020-W53")
        #expect(IsoWeek(label: "2020-W53") != nil)
        #expect(IsoWeek(label: "2021-W53") == nil)
        #expect(IsoWeek(label: "2026-W00") == nil)
        #expect(IsoWeek(label: "2026-47") == nil)
        let week = try #require(IsoWeek(label: "2026-W47"))
        #expect(CivilDate(days: week.monday) == CivilDate(year: 2026, month: 11, day: 16))
        #expect(week.next.label == "2026-W48")
        // Every day of a span of years maps to a week whose label maps back to it.
        for day in stride(from: -800, to: 25_000, by: 3) {
            let week = IsoWeek(containingDay: day)
            #expect(IsoWeek(label: week.label) == week)
            #expect((week.monday ... week.monday + 6).contains(day))
        }
    }

    @Test func times() throws {
        #expect(try StoreTime.parse("1970-01-02") == 86_400_000_000_000)
        let november20 = Int64(CivilDate(year: 2026, month: 11, day: 20).days)
        #expect(try StoreTime.parse("2026-11-20T10:30:00Z") == (november20 * 86_400 + 37_800) * 1_000_000_000)
        #expect(try StoreTime.parse("2026-11-20T12:30:00+02:00") == StoreTime.parse("2026-11-20T10:30:00Z"))
        #expect(try StoreTime.parse("1700000000") == 1_700_000_000_000_000_000)
        #expect(try StoreTime.parse("2026-W47") == IsoWeek(label: "2026-W47")!.startNanos)
        for bad in ["2026-13-01", "2026-02-30", "yesterday", "2026-11-20T25:00Z", "", "2026-11-20T10:30:00+2"] {
            #expect(throws: TimeSyntaxError.self, "\(bad)") { try StoreTime.parse(bad) }
        }
        #expect(StoreTime.format(try StoreTime.parse("2026-11-20T10:30:05Z")) == "2026-11-20T10:30:05Z")
        #expect(try StoreTime.parseSpan("90d") == 90 * 86_400_000_000_000)
        #expect(throws: TimeSyntaxError.self) { try StoreTime.parseSpan("90y") }
    }

    @Test func queryParsing() throws {
        let query = try ProfileQuery(parsing: "service=api,week=2026-W47,host=canary%2C1,type=cpu")
        #expect(query.service == "api")
        #expect(query.labels == ["host": "canary,1"])
        #expect(query.isWeekly == false)
        #expect(try ProfileQuery(parsing: query.description) == query)
        #expect(try ProfileQuery(parsing: "service=api,week=2026-W47,type=cpu").isWeekly)
        for bad in ["service", "=x", "week=2026-47", "id=abc", "host=a,host=b", "default=maybe", "k=%zz", "k="] {
            #expect(throws: StoreError.self, "\(bad)") { try ProfileQuery(parsing: bad) }
        }
    }

    @Test func stackHashesAreStableAndNeverZero() {
        // Stored keys: the same in every process and release (a changed hash would orphan every stored stack).
        #expect(StackValue.hash("main;work") == 2_972_472_560_317_082_838)
        #expect(StackValue.hash("main;work") != StackValue.hash("mainw;ork"))
        #expect(StackValue.hash("a;b") != StackValue.hash("a:b"))
        #expect(StackValue.hash("") != 0)
    }

    @Test func storeSpecifications() throws {
        let environment = ["HOME": "/home/someone"]
        #expect(StoreLocation.defaultSQLitePath(environment: environment) == "/home/someone/.local/share/pyrometer/profiles.sqlite")
        #expect(StoreLocation.defaultSQLitePath(environment: ["XDG_DATA_HOME": "/data", "HOME": "/h"]) == "/data/pyrometer/profiles.sqlite")
        for bad in ["postgres://x/y", "sqlite:", "clickhouse:///db", "clickhouse://127.0.0.1:1/bad-name",
                    "clickhouse://127.0.0.1:1/db?timeout=0", "clickhouse://127.0.0.1:1/db?bogus=1"] {
            #expect(throws: StoreError.self, "\(bad)") { try StoreLocation.open(bad) }
        }
    }
}
