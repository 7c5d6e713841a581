#if canImport(Glibc)
import Glibc
#endif
import PyrometerCLI
import PyrometerIngest
import PyrometerModel

/// `pyrometer-store`, the program that holds the profile store: SQLite through GRDB and ClickHouse over
/// Foundation's HTTP client pull in Foundation, libcurl and TLS, whose loading and relocation took 15 of the 24 ms
/// every `pyrometer` run spent starting (docs/architecture.md § Start-up). It is found beside this program.
enum StoreProgram {
    static let name = "pyrometer-store"
    /// `pyrometer serve`'s program, which alone links SwiftNIO and Hummingbird.
    static let serveName = "pyrometer-serve"
    /// `pyrometer push` and `pyrometer agent`'s program, which alone links Foundation's HTTP client for pushing.
    static let pushName = "pyrometer-push"

    static var path: String { path(of: name) }

    /// The path of the program `name` beside this program (through symbolic links), else the name for a PATH search.
    static func path(of name: String) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, Int(PATH_MAX))
        guard length > 0 else { return name }
        let executable = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return name }
        return String(executable[...slash]) + name
    }

    /// Runs `pyrometer-store ARGUMENTS` (or the program `name`) in place of this process.
    static func replaceProcess(arguments: [String], name: String = StoreProgram.name) -> Never {
        let program = path(of: name)
        execute(program, [name] + arguments, replacing: true)
        Console.writeStderr("""
            pyrometer: error: cannot run \(program) (\(String(cString: strerror(errno)))): build it beside pyrometer \
            with `swift build --product \(name)`\n
            """)
        exit(Console.inputErrorStatus)
    }

    /// A `store:` input, read by `pyrometer-store read` into a temporary pprof file and imported from there.
    static func read(query: String, store: String?) throws -> Profile {
        var template = Array("/tmp/pyrometer-store-XXXXXX.pb.gz".utf8CString)
        let fd = mkstemps(&template, 6)
        guard fd >= 0 else { throw CLIError("cannot create a temporary file for store:\(query)") }
        close(fd)
        let file = String(cString: template)
        defer { unlink(file) }
        let arguments = [name, "read", query, "-o", file] + (store.map { ["--store", $0] } ?? [])
        let status = execute(path, arguments, replacing: false)
        guard status == 0 else {
            throw CLIError("reading store:\(query) failed (\(name) exited with status \(status))")
        }
        return try Importers.load(paths: [file]).profile
    }

    /// execv, or posix_spawn and wait: the exit status (-1 when it could not start).
    @discardableResult
    private static func execute(_ program: String, _ arguments: [String], replacing: Bool) -> Int32 {
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        if replacing {
            execv(program, &argv)
            if !program.contains("/") { execvp(program, &argv) }
            return -1
        }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, program, nil, nil, &argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
