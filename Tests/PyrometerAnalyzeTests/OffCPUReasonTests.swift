@testable import PyrometerAnalyze
import PyrometerModel
import Testing

/// Why a thread was off the CPU, from its state and its blocked stack, and compiler clones named as their function.
@Suite struct OffCPUReasonTests {
    static func reason(_ state: ThreadState, kernel: [String] = [], user: [String] = []) -> String {
        let frames = kernel.map { (name: $0, isKernel: true) } + user.map { (name: $0, isKernel: false) }
        return OffCPUReason.of(state: state, stack: frames).label
    }

    @Test func theKernelsFramesSayWhy() {
        let entry = ["__schedule", "schedule"]
        #expect(Self.reason(.sleeping, kernel: entry + ["futex_do_wait", "__futex_wait", "do_futex"],
                            user: ["__lll_lock_wait", "wait_for_lock"]) == "lock/futex")
        #expect(Self.reason(.sleeping, kernel: entry + ["do_nanosleep", "hrtimer_nanosleep"], user: ["nap"]) == "sleep")
        #expect(Self.reason(.sleeping, kernel: entry + ["schedule_hrtimeout_range", "ep_poll", "do_epoll_wait"])
                    == "I/O")
        #expect(Self.reason(.disk, kernel: entry + ["io_schedule", "folio_wait_bit_common", "filemap_fault",
                                                    "handle_mm_fault", "exc_page_fault"]) == "page fault")
        // Preempted is preempted, whatever it ran.
        #expect(Self.reason(.preempted, kernel: entry + ["irqentry_exit_to_user_mode"], user: ["burn"]) == "preempted")
    }

    @Test func withoutKernelFramesTheLibraryCallSaysWhy() {
        #expect(Self.reason(.sleeping, user: ["__GI___lll_lock_wait", "pthread_mutex_lock@@GLIBC_2.2.5"]) == "lock/futex")
        #expect(Self.reason(.sleeping, user: ["__GI___nanosleep", "nap"]) == "sleep")
        #expect(Self.reason(.sleeping, user: ["__libc_read", "serve"]) == "I/O")
        // A program's own function is no blocking call, whatever its name.
        #expect(Self.reason(.sleeping, user: ["my_futex_pool_read", "main"]) == "sleeping")
        #expect(Self.reason(.disk, user: ["main"]) == "I/O")
        #expect(Self.reason(.other("T")) == "T")
    }

    @Test func compilerClonesAreTheirFunction() {
        let cases = [
            ("burn.constprop.0", "burn"), ("finish_task_switch.isra.0", "finish_task_switch"),
            ("f.part.0.constprop.1", "f"), ("g.cold.2", "g"), ("h.llvm.7391846", "h"), ("k.lto_priv.0", "k"),
            ("foo(int) [clone .constprop.0] [clone .isra.0]", "foo(int)"),
            // Not clones: an unnumbered `.cold` may be a Go function; numbered parts after other words are names.
            ("main.cold", "main.cold"), ("main.main.func1", "main.main.func1"), ("v1.2.3", "v1.2.3"),
            ("swsites.siteB(Swift.Int) -> swsites.Large", "swsites.siteB(Swift.Int) -> swsites.Large"),
        ]
        for (name, owner) in cases { #expect(CompilerClone.owner(of: name) == owner, "\(name)") }
    }
}
