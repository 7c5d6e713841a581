import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// Off-CPU time from sched_switch: the states, the intervals, and the text reader's chunks.
@Suite struct OffCPUTests {
    @Test func threadStates() {
        #expect(ThreadState(bits: 0) == .preempted)
        #expect(ThreadState(bits: 0x100) == .preempted)  // TASK_REPORT_MAX: perf's R+
        #expect(ThreadState(bits: 1) == .sleeping && ThreadState(bits: 2) == .disk)
        #expect(ThreadState(bits: 0x80) == .other("I") && ThreadState(bits: 4) == .other("T"))
        #expect(ThreadState(letter: "R+") == .preempted && ThreadState(letter: "S") == .sleeping)
        #expect(ThreadState(letter: "D") == .disk && ThreadState(letter: "Z").label == "Z")
    }

    /// An interval runs from the switch-out to the next sight of the thread; one still open at the end is charged
    /// up to it; a thread never seen switching out is charged nothing.
    @Test func intervals() {
        var tracker = OffCPUTracker<String>()
        #expect(tracker.seen(7, at: 100) == nil)
        tracker.switchedOut(7, at: 200, slot: "nap")
        tracker.switchedOut(8, at: 250, slot: "lock")
        let closed = tracker.seen(7, at: 1200)
        #expect(closed?.slot == "nap" && closed?.nanoseconds == 1000)
        #expect(tracker.seen(7, at: 1300) == nil)
        let open = tracker.finish(at: 2250)
        #expect(open.count == 1 && open[0].slot == "lock" && open[0].nanoseconds == 2000)
    }

    @Test func headerTimes() {
        func time(_ header: String) -> UInt64? {
            Array(header.utf8).withUnsafeBytes { PerfScriptWallClock.time($0.baseAddress!, 0, $0.count) }
        }
        #expect(time("[000] 33959.327154: sched:sched_switch:") == 33_959_327_154_000)
        #expect(time("33959.327154123:     1001001 cpu-clock:") == 33_959_327_154_123)
        #expect(time("12: x") == 12_000_000_000)
        #expect(time("no time here") == nil && time("1.1234567890: x") == nil)
    }

    /// The corpus's text read in one piece and in 64 KiB blocks over 4 workers: intervals that cross blocks and
    /// workers are charged the same.
    @Test func chunksGiveTheSameOffCPUTime() throws {
        let compressed = try InputFile(path: Fixtures.path("wall/wallclock.noinline.perf.txt.zst"))
        let text = try InputFile(decompressing: compressed, .zstd, limit: 1 << 28).readAll(limit: 1 << 28, what: "text")
        func load(threads: Int, blockSize: Int) throws -> Profile {
            var options = ImportOptions()
            options.threads = threads
            options.blockSize = blockSize
            return try Importers.load(InputFile(name: "wall.txt", bytes: text), options: options).profile
        }
        let whole = try load(threads: 1, blockSize: 64 << 20), pieces = try load(threads: 4, blockSize: 64 << 10)
        for type in ["wall", "cpu", "off-cpu"] {
            let a = try #require(whole.sampleTypeIndex(named: type)), b = try #require(pieces.sampleTypeIndex(named: type))
            #expect(whole.total(sampleType: a) == pieces.total(sampleType: b), "\(type)")
            #expect(whole.total(sampleType: a) > 0)
        }
        #expect(whole.sampleTypes.first == ValueType(type: "wall", unit: "nanoseconds") && whole.defaultSampleType == 0)
    }
}
