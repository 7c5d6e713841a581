#if canImport(Glibc)
import Glibc
#endif

/// Programs some tests need that a machine may not have. `swift test` on a machine without one skips the tests that
/// need it, saying which and how to install it; `scripts/test.sh` installs them all and sets
/// `PYROMETER_REQUIRE_TOOLS=1`, under which a missing one fails its tests instead, so that CI never passes by
/// skipping.
public enum ExternalTool: String, CaseIterable, Sendable {
    /// Headless Chromium, chromedriver and Python's Selenium (the flamegraph browser tests).
    case chromium
    /// Debian's clickhouse-server (the fleet store's tests start it on 127.0.0.1 with scripts/clickhouse.sh).
    case clickhouse
    /// `go tool pprof` (Debian's golang-go): the reference reader of pprof files.
    case go
    /// binutils: objdump (the reference for PLT stub names), strip and objcopy (stripped binaries, debug files), nm
    /// and c++filt (the reference demangler).
    case binutils
    /// llvm-symbolizer: the reference the symbolizer's frames are checked against.
    case llvmSymbolizer = "llvm-symbolizer"
    /// `perf record` and `perf script` (Debian's linux-perf), allowed to record user-space events here.
    case perf
    /// perf's uprobes (`perf probe -x`): root, and a kernel with CONFIG_UPROBE_EVENTS.
    case uprobes = "perf-probe"
    /// The compilers that build the programs the symbolizer, demangler and perf tests read (clang with clang++).
    case gcc, clang, rustc
    case gxx = "g++"
    /// Valgrind (its DHAT tool records exact allocation profiles), and heaptrack.
    case valgrind, heaptrack
    /// Python 3: SQLite consistency checks with its sqlite3 module (not our code), and stand-in servers.
    case python = "python3"
    /// Pyroscope's Python client from PyPI (pyroscope-io 1.4.0, pyroscope-rs inside): a real client pushing to
    /// `pyrometer serve`.
    case pyroscopeClient = "pyroscope-io"
    /// systemd's `systemd-analyze verify`: checks the unit files docs/serve.md gives (no systemd needs to run).
    case systemd = "systemd-analyze"

    /// The executables it takes, found on PATH.
    private var executables: [String] {
        switch self {
        case .chromium: ["python3", "chromedriver"]
        case .clickhouse: ["clickhouse-server"]
        case .go: ["go"]
        case .binutils: ["objdump", "strip", "objcopy", "nm", "c++filt"]
        case .llvmSymbolizer: ["llvm-symbolizer"]
        case .gxx: ["g++"]
        case .python, .pyroscopeClient: ["python3"]
        case .valgrind: ["valgrind"]
        case .heaptrack: ["heaptrack"]
        case .perf, .uprobes: ["perf"]
        case .gcc: ["gcc"]
        case .clang: ["clang", "clang++"]
        case .rustc: ["rustc"]
        case .systemd: ["systemd-analyze"]
        }
    }

    /// How to get it, for the skip message.
    public var installHint: String {
        switch self {
        case .chromium: "apt-get install chromium chromium-driver && pip install selenium"
        case .clickhouse: "apt-get install clickhouse-server"
        case .go: "apt-get install golang-go"
        case .binutils: "apt-get install binutils"
        case .llvmSymbolizer: "apt-get install llvm"
        case .gxx: "apt-get install g++"
        case .python: "apt-get install python3"
        case .pyroscopeClient: "pip install pyroscope-io==1.4.0"
        case .valgrind: "apt-get install valgrind"
        case .heaptrack: "apt-get install heaptrack"
        case .perf: "apt-get install linux-perf, and sysctl kernel.perf_event_paranoid=1 when not root"
        case .uprobes: "run as root, on a kernel with CONFIG_UPROBE_EVENTS, with linux-perf installed"
        case .gcc: "apt-get install gcc"
        case .clang: "apt-get install clang"
        case .rustc: "apt-get install rustc"
        case .systemd: "apt-get install systemd"
        }
    }

    /// Whether this machine has it. `PYROMETER_HIDE_TOOLS=go,chromium,clickhouse` pretends some are missing, to
    /// check the skips on a machine that has them.
    public var isInstalled: Bool {
        if let hidden = getenv("PYROMETER_HIDE_TOOLS").map({ String(cString: $0) }),
           hidden.split(separator: ",").contains(Substring(rawValue)) { return false }
        guard executables.allSatisfy(Self.onPath) else { return false }
        switch self {
        case .chromium:
            return (Self.onPath("chromium") || Self.onPath("chromium-browser")) && Self.succeeds("python3 -c 'import selenium'")
        case .perf:
            // Recording needs the kernel's permission: root, or perf_event_paranoid of at most 2 for user events.
            return getuid() == 0 || Self.succeeds("test \"$(cat /proc/sys/kernel/perf_event_paranoid)\" -le 2")
        case .uprobes:
            // perf mounts tracefs when it is not yet; the kernel's uprobe_events file says uprobes are built in.
            return getuid() == 0 && (access("/sys/kernel/tracing/uprobe_events", F_OK) == 0
                                     || Self.succeeds("grep -q tracefs /proc/filesystems"))
        case .pyroscopeClient:
            return Self.succeeds("python3 -c 'import pyroscope'")
        case .clickhouse, .go, .binutils, .llvmSymbolizer, .gcc, .gxx, .clang, .rustc, .python, .valgrind, .heaptrack,
             .systemd:
            return true
        }
    }

    /// For `.enabled(if:)`: installed, or required (then the test runs and fails on what is missing).
    public var shouldRun: Bool { isInstalled || Self.required }

    /// The reason shown when the tests that need it are skipped.
    public var skipReason: String {
        "needs \(rawValue), which this machine lacks (\(installHint); scripts/test.sh installs everything)"
    }

    /// Set by scripts/test.sh: every tool must be there.
    public static var required: Bool { getenv("PYROMETER_REQUIRE_TOOLS").map { String(cString: $0) == "1" } ?? false }

    /// On PATH, in the sbin directories Debian installs servers in (clickhouse-server), or in cargo's bin directory
    /// (rustup's rustc), which a user's PATH may lack; the tests' `run` helpers look there too.
    private static func onPath(_ name: String) -> Bool {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        let home = getenv("HOME").map { String(cString: $0) } ?? "/root"
        let extra = ["/usr/sbin", "/sbin", "/usr/local/sbin", "/root/.cargo/bin", home + "/.cargo/bin"]
        return (path.split(separator: ":").map(String.init) + extra)
            .contains { access("\($0)/\(name)", X_OK) == 0 }
    }

    private static func succeeds(_ command: String) -> Bool {
        system(command + " >/dev/null 2>&1") == 0
    }
}

#if canImport(Testing)
import Testing

extension ExternalTool {
    /// `@Test(ExternalTool.go.needed)`: runs when the tool is here (or required), else skips with `skipReason`.
    public var needed: ConditionTrait { .enabled(if: shouldRun, Comment(rawValue: skipReason)) }

    /// Inside a test: cancels it with the reason when the tool is missing and not required.
    public func require() throws {
        if !shouldRun { try Test.cancel(Comment(rawValue: skipReason)) }
    }
}
#endif
