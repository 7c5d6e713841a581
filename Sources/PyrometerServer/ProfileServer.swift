import Hummingbird
import Logging
import PyrometerServe

/// `pyrometer serve`: the push endpoints, the query API and the web UI over the profile store (docs/serve.md), on
/// Hummingbird.
public enum ProfileServer {
    /// Runs until the task is cancelled (or the process gets SIGINT/SIGTERM). `running` gets the port listened on
    /// once the server accepts connections (the one picked when `options.port` is 0).
    public static func run(_ options: ServerOptions, store: String?,
                           running: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let writer = try ProfileWriter(location: store)
        let router = Router()
        if let token = options.token { router.add(middleware: TokenCheck(token: token)) }
        var limits = IngestLimits()
        limits.maxBodyBytes = options.maxBodyBytes
        limits.maxInflatedBytes = options.maxInflatedBytes
        let routes = IngestRoutes(writer: writer, limits: limits)
        let queries = QueryRoutes(reader: try ProfileReader(location: store))  // the web UI's reads (docs/serve.md)
        func addRoutes(to group: some RouterMethods<BasicRequestContext>) {
            routes.add(to: group)
            queries.add(to: group)
            UIRoutes(basePath: options.basePath).add(to: group)
            group.get("api/v1/health") { _, _ in "ok\n" }
        }
        if options.basePath.isEmpty {
            addRoutes(to: router)
        } else {
            addRoutes(to: router.group(RouterPath(String(options.basePath.dropFirst()))))
        }
        var logger = Logger(label: "pyrometer-serve")
        logger.logLevel = .warning
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "pyrometer"),
            onServerRunning: { channel in await running(channel.localAddress?.port ?? options.port) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }
}
