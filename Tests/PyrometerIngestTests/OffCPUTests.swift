import Foundation
import PyrometerAnalyze
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
        tracker.switchedOut(0, at: 300, slot: "idle")  // swapper: never tracked
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

    /// Who owns off-CPU time in text: the program's innermost frame; with no program frame (frame pointers that end
    /// in libc), the blocking call in user space, never the scheduler. On-CPU time keeps its own leaf.
    @Test func ownership() throws {
        let text = """
            app 10 [000] 1.000000: sched:sched_switch: prev_comm=app prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=swapper/0 next_pid=0 next_prio=120
            \tffffffff82265908 __schedule+0x628 ([kernel.kallsyms])
            \tffffffff8226d2de do_nanosleep+0x5e ([kernel.kallsyms])
            \t          cf545 clock_nanosleep+0x65 (/usr/lib/x86_64-linux-gnu/libc.so.6)
            \t           1517 nap+0x27 (/bin/app)
            \t           11bf main+0xef (/bin/app)

            app 10 1.300000:    1000000 cpu-clock:
            \t           1600 burn+0x10 (/bin/app)
            \t           11bf main+0xef (/bin/app)

            app 11 [001] 1.000000: sched:sched_switch: prev_comm=app prev_pid=11 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
            \tffffffff82265908 __schedule+0x628 ([kernel.kallsyms])
            \tffffffff8144f296 futex_do_wait+0x46 ([kernel.kallsyms])
            \t          85f16 __futex_abstimed_wait_common+0xc6 (/usr/lib/x86_64-linux-gnu/libc.so.6)

            app 11 [001] 1.500000:    1000000 cpu-clock:
            \t           1700 other+0x10 (/bin/app)

            """
        let profile = try Importers.load(InputFile(name: "switches.txt", bytes: Array(text.utf8))).profile
        #expect(profile.sampleTypes.prefix(3).map(\.type) == ["wall", "cpu", "off-cpu"])
        let report = HotspotAnalyzer().analyze(profile, fold: FoldOptions())
        let selfValues = Dictionary(report.functions.map { ($0.name, $0.selfValue) }, uniquingKeysWith: +)
        #expect(selfValues["nap"] == 300_000_000)  // 1.0 s to thread 10's next line at 1.3 s
        #expect(selfValues["__futex_abstimed_wait_common"] == 500_000_000)
        #expect(selfValues["burn"] == 1_000_000 && selfValues["other"] == 1_000_000)
        #expect(selfValues["__schedule"] == nil)
        let nap = try #require(report.functions.first { $0.name == "nap" })
        #expect(nap.native.first?.name == "clock_nanosleep")
    }

    /// A thread blocked early in a text read in many chunks is charged up to the last line of the recording, even
    /// when the later chunks hold only another thread's samples; an exiting thread (`X`) is charged nothing.
    @Test func intervalsOpenAtTheEndAcrossChunks() throws {
        var text = """
            app 10 [000] 1.000000: sched:sched_switch: prev_comm=app prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=b next_pid=11 next_prio=120
            \t           1517 nap+0x27 (/bin/app)

            app 12 [000] 1.000000: sched:sched_switch: prev_comm=app prev_pid=12 prev_prio=120 prev_state=X ==> next_comm=b next_pid=11 next_prio=120
            \t           1518 leave+0x27 (/bin/app)


            """
        for second in 2 ... 101 {
            text += "b 11 \(second).000000:    1000000 cpu-clock:\n\t           1600 spin+0x10 (/bin/app)\n\n"
        }
        var options = ImportOptions()
        options.threads = 3
        options.blockSize = 1024
        let profile = try Importers.load(InputFile(name: "late.txt", bytes: Array(text.utf8)), options: options).profile
        let offCPU = try #require(profile.sampleTypeIndex(named: "off-cpu"))
        #expect(profile.total(sampleType: offCPU) == 100_000_000_000)  // thread 10, from 1 s to 101 s
    }

    /// Off-CPU times near the top of Int64 (a hostile clock) saturate, in the per-thread report too.
    @Test func hugeIntervalsSaturate() throws {
        let text = """
            a 1 [000] 1.000000: sched:sched_switch: prev_comm=a prev_pid=1 prev_prio=120 prev_state=S ==> next_comm=b next_pid=0 next_prio=120
            \t           1517 f+0x27 (/bin/app)

            a 2 [000] 1.000000: sched:sched_switch: prev_comm=a prev_pid=2 prev_prio=120 prev_state=S ==> next_comm=b next_pid=0 next_prio=120
            \t           1518 g+0x27 (/bin/app)

            a 3 [000] 9000000000.000000:    1000000 cpu-clock:
            \t           1600 h+0x10 (/bin/app)

            """
        let profile = try Importers.load(InputFile(name: "huge.txt", bytes: Array(text.utf8))).profile
        let threads = HotspotAnalyzer().perThread(profile, fold: FoldOptions())
        #expect(threads.count == 3)
        #expect(threads.allSatisfy { $0.share.isFinite })
    }

    /// perf's inline frames of the program (`std::mutex::lock (inlined)` at the caller's address) belong to it: the
    /// program's function is charged and the blocking call is still libc's.
    @Test func inlineFramesOfTheProgram() throws {
        let text = """
            app 10 [000] 1.000000: sched:sched_switch: prev_comm=app prev_pid=10 prev_prio=120 prev_state=S ==> next_comm=b next_pid=0 next_prio=120
            \tffffffff82265908 __schedule+0x628 ([kernel.kallsyms])
            \t          85f16 __lll_lock_wait+0x16 (/usr/lib/x86_64-linux-gnu/libc.so.6)
            \t          89f00 pthread_mutex_lock+0x20 (/usr/lib/x86_64-linux-gnu/libc.so.6)
            \t           1200 std::mutex::lock (inlined)
            \t           1200 worker+0x30 (/bin/app)

            app 10 [000] 2.000000:    1000000 cpu-clock:
            \t           1600 worker+0x10 (/bin/app)

            """
        let profile = try Importers.load(InputFile(name: "inline.txt", bytes: Array(text.utf8))).profile
        let report = HotspotAnalyzer().analyze(profile, fold: FoldOptions())
        let worker = try #require(report.functions.first { $0.name == "worker" })
        #expect(worker.selfValue == 1_001_000_000)
        #expect(worker.native.first?.name == "pthread_mutex_lock", "\(worker.native)")
    }
}
