import Foundation
import PyrometerModel
import PyrometerStore
import PyrometerTestSupport
import Testing

/// Pyroscope's own Python client (pyroscope-io 1.4.0 from PyPI: pyroscope-rs sampling the interpreter, pushing gzip'd
/// Connect `PushRequest`s) pointed at `pyrometer serve` on 127.0.0.1, with basic auth carrying the server's token:
/// what it pushes is in the store under its application name and tags.
@Suite struct PyroscopeClientTests {
    static let script = """
        import sys, time, pyroscope
        pyroscope.configure(application_name="pyrotest.app", server_address=sys.argv[1], tags={"region": "eu"},
                            basic_auth_username="pyroscope", basic_auth_password=sys.argv[2], enable_logging=True)
        def fib(n): return n if n < 2 else fib(n - 1) + fib(n - 2)
        def plain_work(): fib(20)
        def export_work(): fib(21)
        start = time.time()
        while time.time() - start < float(sys.argv[3]):
            plain_work()
            with pyroscope.tag_wrapper({"endpoint": "/export"}):
                export_work()
        pyroscope.shutdown()
        """

    @Test(ExternalTool.pyroscopeClient.needed) func pythonClientPushesReachTheStore() async throws {
        let token = "pyroscope-client-token-0123"
        try await ServerHarness.with({ $0.token = token }) { server in
            let dir = try CLI.temporaryDirectory()
            let script = dir.appendingPathComponent("client.py")
            try Self.script.write(to: script, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            // 12 s: the client uploads every 10 s and once more at shutdown. The periodic upload does not race the
            // client's exit, which a slow (sanitizer) server lost once when the shutdown upload was the only one.
            process.arguments = ["python3", script.path, server.base.absoluteString, token, "12"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = Pipe()
            try TiedProcess.run(process)
            // Off the cooperative pool: the server answers the client meanwhile.
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    process.waitUntilExit()
                    continuation.resume()
                }
            }
            let log = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(log)")
            let stored = try server.stored()
            try #require(!stored.isEmpty, "the client's push was not stored: \(log)")
            #expect(stored.allSatisfy { $0.service == "pyrotest.app" && $0.labels["region"] == "eu" }, "\(stored)")
            #expect(stored.contains { $0.sampleType == "cpu" && $0.unit == "nanoseconds" }, "\(stored)")
            var query = ProfileQuery()
            query.service = "pyrotest.app"
            query.sampleType = "cpu"
            let (profile, _) = try StoredStacks.load(query, from: StoreLocation.open(server.store, create: false))
            let names = Set(profile.functions.map { profile.strings[Int($0.name)] })
            #expect(names.contains { $0.contains("export_work") } && names.contains { $0.contains("fib") }, "\(names)")
        }
    }
}
