import ArgumentParser
import Foundation
import PyrometerCLI
import PyrometerServer

/// `pyrometer serve`: a program of its own, `pyrometer-serve`, which `pyrometer serve` runs, so that no other
/// command loads SwiftNIO and Hummingbird (docs/architecture.md § Start-up).
@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pyrometer serve",
        abstract: "Take profiles pushed over HTTP into the store: Pyroscope's clients and agents, and ours.",
        discussion: """
            Endpoints (docs/serve.md): POST /ingest (Pyroscope's, as pyroscope-go sends), POST \
            /push.v1.PusherService/Push (Pyroscope's Connect API: Grafana Alloy, pyroscope-rs, the Python and Ruby \
            clients), POST /api/v1/profiles?service=NAME&label=KEY:VALUE&time=T (any format pyrometer reads). \
            Each push is stored whole or not at all. Examples:
              pyrometer serve --store sqlite:/var/lib/pyrometer/profiles.sqlite --token-file /etc/pyrometer/token
              curl --data-binary @cpu.pb.gz 'http://127.0.0.1:4040/api/v1/profiles?service=api&label=host:canary-1'
            """)

    @Option(help: "Where to listen: HOST:PORT (default 127.0.0.1:4040; port 0 picks a free one).")
    var listen = "127.0.0.1:4040"
    @Option(name: .customLong("base-path"), help: "A path prefix for every route, behind a proxy (e.g. /pyrometer).")
    var basePath: String?
    @Option(name: .customLong("token-file"), help: """
        A file holding the token pushes must carry (Authorization: Bearer TOKEN, or basic auth with it as the \
        password); without it, anyone who reaches the address can push.
        """)
    var tokenFile: String?
    @Option(name: .customLong("max-body-size"), help: "The largest push accepted, in MiB (default 64).")
    var maxBodyMiB = 64
    @Option(name: .customLong("store"),
            help: "The store (sqlite:PATH or clickhouse://HOST:PORT/DATABASE; default as `pyrometer store`).")
    var store: String?

    func validate() throws {
        guard parsedListen != nil else { throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:4040") }
        if let basePath, !(basePath.hasPrefix("/") && !basePath.hasSuffix("/")) {
            throw ValidationError("--base-path starts with / and has none at its end, e.g. /pyrometer")
        }
        guard (1 ... 4096).contains(maxBodyMiB) else { throw ValidationError("--max-body-size must be 1...4096 (MiB)") }
    }

    private var parsedListen: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
              (0 ... 65535).contains(port) else { return nil }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    func run() async throws {
        var options = ServerOptions()
        (options.host, options.port) = parsedListen!
        options.basePath = basePath ?? ""
        options.maxBodyBytes = maxBodyMiB << 20
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile) else {
                throw CLIError("cannot read --token-file \(tokenFile)")
            }
            let token = Array(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).utf8)
            guard token.count >= 16 else { throw CLIError("the token in \(tokenFile) is shorter than 16 characters") }
            options.token = token
        }
        let (host, base) = (options.host, options.basePath)
        do {
            try await ProfileServer.run(options, store: store) { port in
                Console.writeStderr("pyrometer serve: listening on http://\(host):\(port)\(base)\n")
            }
        } catch {
            // A store that cannot be opened, an address in use: said in one line, as every command says its errors.
            Console.writeStderr("pyrometer: error: \(error)\n")
            throw ExitCode(Console.inputErrorStatus)
        }
    }
}
