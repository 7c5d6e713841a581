#if canImport(Glibc)
import Glibc
#endif

/// Runs another program and waits for it, its standard streams this process's.
enum ChildProcess {
    /// The program's exit status (128 + N when signal N ended it), or the error that kept it from starting or
    /// from being waited for.
    static func run(_ arguments: [String]) -> Result<Int32, Failure> {
        spawn(arguments, actions: nil)
    }

    /// `run`, with the program's output and errors discarded (a clean-up whose complaints mean nothing).
    static func runQuietly(_ arguments: [String]) -> Result<Int32, Failure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        return spawn(arguments, actions: &actions)
    }

    private static func spawn(_ arguments: [String], actions: UnsafePointer<posix_spawn_file_actions_t>?)
        -> Result<Int32, Failure> {
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        // posix_spawnp returns its error rather than setting errno.
        let spawned = posix_spawnp(&pid, arguments[0], actions, nil, &argv, environ)
        guard spawned == 0 else { return .failure(Failure(code: spawned)) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return .failure(Failure(code: errno)) }
        }
        let signal = status & 0x7F
        return .success(signal == 0 ? (status >> 8) & 0xFF : 128 + signal)
    }

    struct Failure: Error {
        var code: Int32
        var description: String { String(cString: strerror(code)) }
    }

    /// Whether `name` is an executable on PATH.
    static func isInstalled(_ name: String) -> Bool {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(name)", X_OK) == 0 }
    }
}
