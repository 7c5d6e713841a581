import ArgumentParser
import Foundation
import PyrometerCLI
import PyrometerModel
import PyrometerPush
import PyrometerRender

/// `pyrometer agent`: on a canary host, record the named processes (or the host) with perf every so often and push
/// each recording, symbolized here where the binaries are.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Record processes with perf every few minutes and push the profiles to a server.",
        discussion: """
            Each round runs `perf record -F FREQ -g` on the targets for --duration, reads and symbolizes the \
            recording here, and pushes it as a pprof profile labelled with the host name (and --label). Failed \
            pushes are retried with jittered backoff, never when the server refuses the profile (400). perf needs \
            root, or kernel.perf_event_paranoid <= 1 for processes of the same user. Examples:
              pyrometer agent --to http://profiles.internal:4040 --service api --program api-server --every 5m --duration 30s
              pyrometer agent --once --to http://127.0.0.1:4040 --service host --all --duration 10s   (from cron)
            """)

    @OptionGroup var destination: DestinationOptions
    @Option(name: .customLong("pid"), help: "A process id to record; repeatable.")
    var pids: [Int32] = []
    @Option(name: .customLong("program"), help: """
        Record the processes running this program (its command name or file name, e.g. api-server); repeatable.
        """)
    var processNames: [String] = []
    @Flag(name: .customLong("all"), help: "Record the whole host (perf record -a).")
    var wholeHost = false
    @Option(help: "Time between the starts of two rounds: 30s, 5m, 1h (default 5m).")
    var every = "5m"
    @Option(help: "How long each round records: 10s, 1m (default 30s).")
    var duration = "30s"
    @Option(help: "Samples per second (perf -F).")
    var frequency = 99
    @Option(name: .customLong("call-graph"), help: "fp (frame pointers, the default) or dwarf (programs built without them).")
    var callGraph: CallGraph = .fp
    @Flag(help: "Record and push one round, then exit (for cron): status 0 when it was stored.")
    var once = false
    @OptionGroup var read: ReadOptions

    enum CallGraph: String, ExpressibleByArgument { case fp, dwarf }

    func validate() throws {
        guard wholeHost != (!pids.isEmpty || !processNames.isEmpty) else {
            throw ValidationError("say what to record: --pid, --program (repeatable), or --all for the whole host")
        }
        let (interval, seconds) = (try Self.seconds(every, "--every"), try Self.seconds(duration, "--duration"))
        guard seconds >= 1, interval >= seconds else {
            throw ValidationError("--duration must be at least 1s and no longer than --every")
        }
        guard (1 ... 10_000).contains(frequency) else { throw ValidationError("--frequency must be 1...10000") }
    }

    /// `30s`, `5m`, `1h`, or plain seconds.
    static func seconds(_ text: String, _ option: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600]
        if let unit = text.last.flatMap({ units[$0] }), let number = Int(text.dropLast()), number > 0 { return number * unit }
        if let number = Int(text), number > 0 { return number }
        throw ValidationError("\(option) \(text): give a duration such as 30s, 5m or 1h")
    }

    func run() throws {
        try Console.run {
            let uploader = try destination.uploader()
            var labels = try destination.parsedLabels()
            if labels["host"] == nil { labels["host"] = ProcessInfo.processInfo.hostName }
            let recording = PerfRecording(
                target: wholeHost ? .host : .processes(ids: pids, names: processNames),
                seconds: try Self.seconds(duration, "--duration"), frequency: frequency, dwarf: callGraph == .dwarf)
            let schedule = AgentSchedule(interval: Double(try Self.seconds(every, "--every")),
                                         splay: once ? 0 : min(60, Double(try Self.seconds(every, "--every")) / 10))
            Thread.sleep(forTimeInterval: Double.random(in: 0 ... schedule.splay))
            var round = 0
            while true {
                round += 1
                let started = Date().timeIntervalSince1970
                let outcome = runRound(round, recording: recording, uploader: uploader, labels: labels)
                // Reading keeps each profile for the process's life (a one-shot command's shortcut): not here.
                Console.releaseKept()
                if once {
                    switch outcome {
                    case .pushed: return
                    case .nothingRecorded: throw ExitCode(1)
                    case .pushFailed(let error): throw error
                    }
                }
                Thread.sleep(forTimeInterval: schedule.wait(roundStarted: started, now: Date().timeIntervalSince1970))
            }
        }
    }

    enum RoundOutcome {
        case pushed
        case nothingRecorded
        case pushFailed(PushError)
    }

    /// One round: record, read, push. Every failure is said and the agent goes on to the next round.
    private func runRound(_ round: Int, recording: PerfRecording, uploader: ProfileUploader,
                          labels: [String: String]) -> RoundOutcome {
        let say = { (text: String) in Console.writeStderr("pyrometer agent: round \(round): \(text)\n") }
        let pids = recording.processIDs()
        if case .processes = recording.target, pids.isEmpty {
            say("no process matches --pid/--program; nothing recorded")
            return .nothingRecorded
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("pyrometer-agent-\(getpid())-\(round)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("perf.data").path
        let startNanos = Int64(Date().timeIntervalSince1970 * 1e9)
        let status = Self.record(recording.arguments(output: data, pids: pids), seconds: recording.seconds)
        let durationNanos = Int64(Date().timeIntervalSince1970 * 1e9) - startNanos
        guard FileManager.default.fileExists(atPath: data) else {
            say("perf record wrote nothing (exit status \(status)); is perf installed, and may this user record "
                + "(root, or sysctl kernel.perf_event_paranoid=1)?")
            return .nothingRecorded
        }
        let profile: Profile
        do {
            profile = try read.load([data], keepAddresses: true)
        } catch {
            say("reading the recording failed: \(error)")
            return .nothingRecorded
        }
        guard !profile.samples.isEmpty else {
            say("the recording holds no samples (the targets were idle or exited)")
            return .nothingRecorded
        }
        let upload = ProfileUpload(body: PprofExporter(compress: true).export(profile), service: destination.service,
                                   labels: labels, startNanos: startNanos, durationNanos: durationNanos)
        do {
            let receipt = try uploader.upload(upload)
            say("\(profile.samples.count) stacks of \(pids.isEmpty ? "the host" : "\(pids.count) process(es)") "
                + "pushed (\(receipt.summary))")
            return .pushed
        } catch {
            say("push failed: \(error)")
            return .pushFailed(error)
        }
    }

    /// Runs perf with `arguments` for `seconds`, then stops it with SIGINT (as Ctrl-C would) and waits for it to
    /// write its file, killing it if it takes longer than `PerfRecording.stopGrace`. Its output is discarded, its
    /// errors shown. The exit status, or -1 when it did not start.
    ///
    /// Spawned with an empty signal mask and default dispositions: a parent that blocks or ignores SIGINT (a test
    /// runner, a supervisor) would otherwise hand that on, and perf would never stop (seen here under swift test).
    static func record(_ arguments: [String], seconds: Int) -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t(), reset = sigset_t()
        sigemptyset(&empty)
        sigemptyset(&reset)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&reset, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &reset)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, arguments[0], &actions, &attributes, &argv, environ) == 0 else { return -1 }
        // perf exits early by itself when it cannot record (no permission, a target gone).
        var status: Int32 = 0
        func exited(within seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            repeat {
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid || (result < 0 && errno != EINTR) { return true }
                usleep(50_000)
            } while Date() < deadline
            return false
        }
        if !exited(within: Double(seconds)) {
            kill(pid, SIGINT)
            if !exited(within: PerfRecording.stopGrace) {
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            }
        }
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
