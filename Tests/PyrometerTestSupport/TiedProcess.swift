import Foundation

/// Starts child processes that cannot outlive the test process: the servers, spinners and browsers a test starts are
/// killed by the kernel when the test runner dies without cleaning up (SIGKILL, a sanitizer's abort, a CI timeout).
///
/// `setpriv --pdeathsig KILL` (util-linux, on every Debian) sets the child's parent-death signal and then execs the
/// program, so the pid stays the program's. Linux sends that signal when the *thread* that spawned the child ends,
/// not the process; Foundation spawns on the calling thread, and test code runs on pool threads that may end when
/// idle. So every spawn happens on one thread of ours that lives as long as the process.
public enum TiedProcess {
    public static let setpriv = "/usr/bin/setpriv"

    /// Runs `process` (its executable and arguments set as usual) tied to the test process's life.
    public static func run(_ process: Process) throws {
        guard FileManager.default.isExecutableFile(atPath: setpriv), let program = process.executableURL else {
            try SpawnThread.shared.perform { try process.run() }
            return
        }
        process.executableURL = URL(fileURLWithPath: setpriv)
        process.arguments = ["--pdeathsig", "KILL", "--", program.path] + (process.arguments ?? [])
        try SpawnThread.shared.perform { try process.run() }
    }
}

/// One thread that never ends, doing the spawns handed to it one at a time.
private final class SpawnThread: @unchecked Sendable {
    static let shared = SpawnThread()
    // `pending` is touched only under `condition`.
    private let condition = NSCondition()
    private var pending: [() -> Void] = []

    private init() {
        let thread = Thread { [self] in loop() }
        thread.name = "pyrometer-test-spawner"
        thread.start()
    }

    private func loop() -> Never {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let job = pending.removeFirst()
            condition.unlock()
            job()
        }
    }

    func perform(_ job: @escaping () throws -> Void) throws {
        final class Outcome: @unchecked Sendable { var error: (any Error)? }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        condition.lock()
        pending.append {
            do { try job() } catch { outcome.error = error }
            done.signal()
        }
        condition.signal()
        condition.unlock()
        done.wait()
        if let error = outcome.error { throw error }
    }
}
