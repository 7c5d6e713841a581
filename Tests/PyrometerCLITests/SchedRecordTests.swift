import Foundation
import PyrometerTestSupport
import Testing

/// `perf sched record` of the wall-clock corpus program (Tests/Fixtures/wall/wallclock.sched.*): no clock event,
/// so on-CPU time comes from `sched_stat_runtime`, off-CPU time from `sched_switch`. The main thread's wall shares
/// match the program's own (`wallclock.sched.measured.txt`) within 3 points from perf.data and from `perf script`
/// text, with and without inline frames; only `burn` is on the CPU. perf script's own unwinder stopped at the
/// blocking libc call on this recording (our perf.data reader goes on to `nap`), so in the text the two waits are
/// charged to that call: `__nanosleep`'s for nap, `__lll_lock_wait`'s for wait_for_lock.
@Suite struct SchedRecordTests {
    static let corpus = WallClockTests.corpus
    static let paths = ["wallclock.sched.perf.data.zst", "wallclock.sched.perf.txt.zst",
                        "wallclock.sched.noinline.perf.txt.zst"]
    /// The names each phase goes by: its own, or its blocking call's where perf script stopped unwinding there.
    static let names = ["burn": ["burn"], "nap": ["nap", "__GI___clock_nanosleep", "clock_nanosleep@GLIBC_2.2.5"],
                        "wait_for_lock": ["wait_for_lock", "__GI___lll_lock_wait"]]

    static func measured() throws -> [String: Double] {
        let text = try String(contentsOfFile: corpus + "/wallclock.sched.measured.txt", encoding: .utf8)
        let words = text.split(separator: " ")
        var shares: [String: Double] = [:]
        for (index, word) in words.enumerated() where word.hasSuffix("%") && index > 0 {
            shares[String(words[index - 1])] = Double(word.dropLast())
        }
        try #require(shares.count >= 3, "\(text)")
        return shares
    }

    /// `burn.constprop.0` from perf.data and `--no-inline` text, `burn` from perf's inline view.
    static func baseName(_ name: String) -> String {
        name.split(separator: ".").first.map(String.init) ?? name
    }

    static func phase(_ name: String) -> String? {
        let base = Self.baseName(name)
        return names.first { $0.value.contains(base) || $0.value.contains(name) }?.key
    }

    @Test(arguments: paths)
    func wallSharesMatchTheProgramsOwn(_ path: String) throws {
        let file = "\(Self.corpus)/\(path)"
        let functions = try WallClockTests.hotspots(["--thread", try WallClockTests.mainThread(file), file])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }
        let byPhase = Dictionary(flagged.compactMap { f in Self.phase(f["name"] as! String).map { ($0, f) } },
                                 uniquingKeysWith: { a, _ in a })
        #expect(Set(byPhase.keys) == ["burn", "nap", "wait_for_lock"], "\(path): \(flagged.map { $0["name"]! })")
        for (phase, share) in try Self.measured() where Self.names[phase] != nil {
            let ours = try #require(byPhase[phase]?["selfPercent"] as? Double, "\(path) \(phase)")
            #expect(abs(ours - share) <= 3, "\(path) \(phase): \(ours)% of wall time, the program measured \(share)%")
        }
        #expect((byPhase["burn"]?["onCPUPercent"] as? Double ?? 0) > 15, "\(path)")
        for phase in ["nap", "wait_for_lock"] {
            #expect((byPhase[phase]?["onCPUPercent"] as? Double ?? 100) < 1, "\(path) \(phase)")
        }
    }

    /// The CPU time alone (`sched_stat_runtime`'s): burn is all that is flagged.
    @Test(arguments: paths)
    func onlyBurnIsOnTheCPU(_ path: String) throws {
        let file = "\(Self.corpus)/\(path)"
        let functions = try WallClockTests.hotspots(["--thread", try WallClockTests.mainThread(file), "--event", "cpu", file])
        let flagged = functions.filter { $0["flagged"] as? Bool == true }.map { Self.baseName($0["name"] as! String) }
        #expect(flagged == ["burn"], "\(path)")
    }

    /// perf's `--off-cpu` event, `offcpu-time`, as `perf script -F comm,tid,time,period,event,ip,sym,dso` prints it:
    /// the period is the time blocked, the time perf's placeholder (~0 << 32 ns) for samples written at the end.
    /// Debian's perf cannot record it (no BPF skeleton), so this text, in perf's format, is the fixture.
    @Test func offCPUTimeEventInText() throws {
        let text = """
        wallclock  4242 18446744069.414584:   20000000 offcpu-time: \n\
        \t    7f0d1a8cf545 clock_nanosleep@GLIBC_2.2.5+0x65 (/usr/lib/x86_64-linux-gnu/libc.so.6)
        \t    7f0d1a8d4c76 __nanosleep+0x16 (/usr/lib/x86_64-linux-gnu/libc.so.6)
        \t    55d0c8a0125a nap+0x2a (/tmp/pyrometer-wall/wallclock)
        \t    55d0c8a010c5 main+0x55 (/tmp/pyrometer-wall/wallclock)

        wallclock  4242  1234.500000:   10000000   cpu-clock: \n\
        \t    55d0c8a016a7 burn+0xb7 (/tmp/pyrometer-wall/wallclock)
        \t    55d0c8a010b0 main+0x40 (/tmp/pyrometer-wall/wallclock)

        wallclock  4242  1234.600000:   10000000   cpu-clock: \n\
        \t    55d0c8a016a7 burn+0xb7 (/tmp/pyrometer-wall/wallclock)
        \t    55d0c8a010b0 main+0x40 (/tmp/pyrometer-wall/wallclock)

        """
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("offcpu.perf.txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let functions = try WallClockTests.hotspots([file.path])
        let byName = Dictionary(functions.map { ($0["name"] as! String, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["nap"]?["self"] as? Int == 20_000_000, "\(functions)")
        #expect(byName["nap"]?["selfPercent"] as? Double == 50, "\(functions)")
        #expect(byName["nap"]?["onCPUPercent"] as? Double == 0)
        #expect(byName["burn"]?["onCPUPercent"] as? Double == 50, "\(functions)")
        // The placeholder time closes nothing and is no time of the recording: nothing else is charged.
        #expect(functions.reduce(0) { $0 + ($1["self"] as? Int ?? 0) } == 40_000_000)
    }
}
