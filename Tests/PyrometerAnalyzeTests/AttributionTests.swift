import PyrometerAnalyze
import PyrometerIngest
import PyrometerModel
import Testing

/// How samples are charged to functions (docs/attribution.md): to the function that owns the machine code, inlined
/// callees and a runtime's native frames listed under it; pprof's view with `inlineFunctions`; the runtime's view
/// with `native`.
@Suite struct AttributionTests {
    static func load(_ text: String, name: String = "test.perf.txt") throws -> Profile {
        try Importers.load(InputFile(name: name, bytes: Array(text.utf8))).profile
    }

    static func report(_ profile: Profile, inlineFunctions: Bool = false, native: Bool = false,
                       includeInline: Bool = true) -> HotspotReport {
        var options = HotspotOptions()
        options.attribution.inlineFunctions = inlineFunctions
        options.attribution.native = native
        var fold = FoldOptions()
        fold.includeInline = includeInline
        return HotspotAnalyzer(options: options).analyze(profile, fold: fold)
    }

    static func selfValues(_ report: HotspotReport) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: report.functions.filter { $0.selfValue > 0 }.map { ($0.name, $0.selfValue) })
    }

    /// perf script of a recording where `mix` is inlined into `big` (45 samples) and `small` (25), and 30 samples
    /// run in `other`, which calls nothing. With DWARF call graphs perf prints each inline frame on its own, at its
    /// owner's address; with frame pointers it prints none.
    static func text(inlineFrames: Bool = true, extra: Int = 0) -> String {
        func sample(_ leaf: String, _ address: String, _ inlined: Bool) -> String {
            "p 1 1.0: 1 cpu-clock:\n" + (inlined && inlineFrames ? "\t\(address) mix+0x3 (inlined)\n" : "")
                + "\t\(address) \(leaf)+0x3 (/bin/p)\n\t1099 main+0x39 (/bin/p)\n\n"
        }
        return String(repeating: sample("big", "1203", true), count: 45)
            + String(repeating: sample("small", "1303", true), count: 25 + extra)
            + String(repeating: sample("other", "1403", false), count: 30)
    }
    static let inlined = text()

    @Test func selfTimeBelongsToTheOwnerOfTheCode() throws {
        let report = Self.report(try Self.load(Self.inlined))
        #expect(Self.selfValues(report) == ["big": 45, "small": 25, "other": 30])
        #expect(Set(report.flagged.map(\.name)) == ["big", "small", "other"])
        let big = try #require(report.functions.first { $0.name == "big" })
        #expect(big.inlined == [ChargedFunction(name: "mix", selfValue: 45, selfShare: 0.45)])
        // The helper over all its hosts reaches the threshold: an inlined finding that names them.
        #expect(report.inlinedFindings.map(\.name) == ["mix"])
        #expect(report.inlinedFindings.first?.selfValue == 70)
        #expect(report.inlinedFindings.first?.hosts.map(\.name) == ["big", "small"])
        // `main` is no hot path: its callees are functions of their own.
        #expect(report.hotPaths.isEmpty)
    }

    /// pprof's `-top` view counts the helper as a function; `--no-inline` drops it altogether.
    @Test func inlineFunctionsAndNoInline() throws {
        let profile = try Self.load(Self.inlined)
        let pprofView = Self.report(profile, inlineFunctions: true)
        #expect(Self.selfValues(pprofView) == ["mix": 70, "other": 30])
        #expect(pprofView.inlinedFindings.isEmpty)
        let dropped = Self.report(profile, includeInline: false)
        #expect(Self.selfValues(dropped) == ["big": 45, "small": 25, "other": 30])
        #expect(dropped.functions.allSatisfy(\.inlined.isEmpty) && dropped.inlinedFindings.isEmpty)
    }

    /// The same recording as frame-pointer text (no inline frames) and as folded stacks with `_[i]` frames gives
    /// the same owners; folded `_[k]` and `_[j]` marks are roles, not parts of names.
    @Test func everyFormOfTheRecordingGivesTheSameOwners() throws {
        let plain = Self.report(try Self.load(Self.text(inlineFrames: false)))
        #expect(Self.selfValues(plain) == ["big": 45, "small": 25, "other": 30])
        let folded = Self.report(try Self.load("main;big;mix_[i] 45\nmain;small;mix_[i] 25\nmain;other 30\nmain;do_syscall_64_[k] 1\n",
                                               name: "test.folded"))
        #expect(Self.selfValues(folded) == ["big": 45, "small": 25, "other": 30, "do_syscall_64": 1])
        #expect(folded.inlinedFindings.map(\.name) == ["mix"])
    }

    /// glibc's `__libc_start_main_impl (inlined)` has another address than the frame after it: perf printed the
    /// function's DWARF name for its symbol. It is a function of its own, not an inline frame of `_start`.
    @Test func renamedFunctionsAreNotInlineFrames() throws {
        let text = "p 1 1.0: 1 cpu-clock:\n\t27304 __libc_start_main_impl+0x84 (inlined)\n\t10f0 _start+0x20 (/bin/p)\n\n"
        let report = Self.report(try Self.load(text))
        #expect(Self.selfValues(report) == ["__libc_start_main_impl": 1])
    }

    /// CPython 3.12 `-X perf`: the interpreter's frames above the innermost Python function are charged to it, the
    /// C library's too (the runtime calls it); a C extension keeps its own time; the interpreter's frames between
    /// Python functions are left out, so `_PyEval_EvalFrameDefault` is no hot path.
    @Test func interpreterFramesAreChargedToTheApplicationFrame() throws {
        let python = "/usr/lib/libpython3.12.so.1.0"
        func sample(_ leaf: [String], count: Int) -> String {
            let frames = leaf + [
                "\t900 _PyEval_EvalFrameDefault+0x10 (\(python))",
                "\t7f00 py::work:/app.py+0x0 (/tmp/perf-7.map)",
                "\t900 _PyEval_EvalFrameDefault+0x20 (\(python))",
                "\t7e00 py::main:/app.py+0x0 (/tmp/perf-7.map)",
                "\t900 _PyEval_EvalFrameDefault+0x30 (\(python))",
                "\t800 Py_RunMain+0x5 (\(python))",
            ]
            return String(repeating: "python3 7 1.0: 1 cpu-clock:\n" + frames.joined(separator: "\n") + "\n\n", count: count)
        }
        let text = sample(["\t950 PyNumber_And+0x1 (\(python))"], count: 40)
            + sample(["\t51 __memmove_avx_unaligned+0x1 (/usr/lib/x86_64-linux-gnu/libc.so.6)",
                      "\t960 list_resize+0x2 (\(python))"], count: 20)
            + sample(["\t71 crc32_block+0x1 (/usr/lib/python3.12/lib-dynload/_crc.cpython-312.so)",
                      "\t970 _PyObject_Call+0x2 (\(python))"], count: 25)
            + sample([], count: 15)
        let profile = try Self.load(text)
        let report = Self.report(profile)
        #expect(Self.selfValues(report) == ["py::work:/app.py": 75, "crc32_block": 25])
        let work = try #require(report.functions.first { $0.name == "py::work:/app.py" })
        #expect(work.native.map(\.name) == ["PyNumber_And", "__memmove_avx_unaligned", "_PyEval_EvalFrameDefault"])
        #expect(work.flagged)
        // The interpreter's frames from `main` down to the outermost Python function stay: one callee each, no hot
        // path and no self time.
        let eval = try #require(report.functions.first { $0.name == "_PyEval_EvalFrameDefault" })
        #expect(eval.selfValue == 0 && !eval.hotPath && report.hotPaths.isEmpty)
        // The runtime's view: the interpreter's functions, `py::work` no more than a frame on the way.
        let native = Self.report(profile, native: true)
        #expect(native.flagged.map(\.name).contains("PyNumber_And"))
        #expect(native.functions.first { $0.name == "_PyEval_EvalFrameDefault" }?.totalShare == 1)
    }

    /// Java (perf-map JIT frames and the JVM's interpreter) and Node.js (`--perf-basic-prof`) are runtimes too.
    @Test func javaAndNodeFramesAreApplicationFrames() throws {
        let java = "java 9 1.0: 1 cpu-clock:\n\t10 SpinPause+0x1 (/usr/lib/jvm/lib/server/libjvm.so)\n"
            + "\t7f10 long Scorer.parse(byte[])+0x4 (/tmp/perf-9.map)\n\t7f00 Interpreter+0x4 (/tmp/perf-9.map)\n"
            + "\t20 JavaCalls::call_helper+0x1 (/usr/lib/jvm/lib/server/libjvm.so)\n\n"
        let node = "node 8 1.0: 1 cpu-clock:\n\t30 v8::internal::Heap::Allocate+0x1 (/usr/bin/node)\n"
            + "\t7f20 LazyCompile:*parse /app.js:3:14+0x4 (/tmp/perf-8.map)\n\t40 uv_run+0x1 (/usr/bin/node)\n\n"
        let report = Self.report(try Self.load(java + node))
        // V8's tier mark (`*` optimized) is not part of the function's name.
        #expect(Self.selfValues(report) == ["long Scorer.parse(byte[])": 1, "LazyCompile:parse /app.js:3:14": 1])
    }

    /// Names decide only where there is no module (folded text): a C++ `Script::update` of a game is the game's
    /// code, and a function perf renamed (`ext_compute (inlined)` for the clone `ext_compute.constprop.0`, no
    /// frame at its address below) is a program's, so a C extension keeps its time under Python.
    @Test func namesAndRenamedFramesDoNotMakeApplicationFrames() throws {
        let game = "game 3 1.0: 1 cpu-clock:\n\t51 memcpy+0x1 (/usr/lib/x86_64-linux-gnu/libc.so.6)\n"
            + "\t71 Script::update+0x1 (/usr/bin/game)\n\t81 main+0x1 (/usr/bin/game)\n\n"
        #expect(Self.selfValues(Self.report(try Self.load(game))) == ["memcpy": 1])
        let python = "python3 7 1.0: 1 cpu-clock:\n\t41 ext_compute+0x1 (inlined)\n"
            + "\t900 _PyEval_EvalFrameDefault+0x10 (/usr/lib/libpython3.12.so.1.0)\n"
            + "\t7f00 py::work:/app.py+0x0 (/tmp/perf-7.map)\n\n"
        #expect(Self.selfValues(Self.report(try Self.load(python))) == ["ext_compute": 1])
    }

    /// `--skip-after` on an inlined function keeps the function it was inlined into.
    @Test func skipAfterAnInlineFrameKeepsItsOwner() throws {
        var fold = FoldOptions()
        fold.skipAfter = ["mix"]
        let report = HotspotAnalyzer().analyze(try Self.load(Self.inlined), fold: fold)
        #expect(Self.selfValues(report) == ["big": 45, "small": 25, "other": 30])
    }

    /// The owner view in diffs: `small` grows, through its inlined helper; the diff names `small`, not `mix`.
    @Test func diffsChargeTheOwner() throws {
        // Ten times the samples, so that the change is significant.
        let base = try Self.load(String(repeating: Self.inlined, count: 10))
        let head = try Self.load(String(repeating: Self.text(extra: 40), count: 10))
        let report = try ProfileDiffer().diff(base: ProfileDiffer.Side([base], fold: { _ in FoldOptions() }),
                                              head: ProfileDiffer.Side([head], fold: { _ in FoldOptions() }))
        #expect(report.regressions.map(\.name) == ["small"])
        #expect(!report.functions.contains { $0.name == "mix" })
        var pprofView = AttributionOptions()
        pprofView.inlineFunctions = true
        let inlineReport = try ProfileDiffer().diff(
            base: ProfileDiffer.Side([base], attribution: pprofView, fold: { _ in FoldOptions() }),
            head: ProfileDiffer.Side([head], attribution: pprofView, fold: { _ in FoldOptions() }))
        #expect(inlineReport.regressions.map(\.name) == ["mix"])
    }
}
