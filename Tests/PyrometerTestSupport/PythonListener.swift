import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Python program on a free loopback port, for tests that need a misbehaving peer (a proxy that drops an answer,
/// a server that never answers): `script` runs with the listening socket `s` bound, and lives at most two minutes.
public final class PythonListener {
    private let process = Process()
    private let out = Pipe()
    public let port: Int

    public struct DidNotStart: Error, CustomStringConvertible {
        public var description: String
    }

    public init(script: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import signal, socket
            signal.alarm(120)  # never outlives a stuck test
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", 0)); s.listen(16)
            print(s.getsockname()[1], flush=True)

            """ + script]
        process.standardOutput = out
        try TiedProcess.run(process)
        guard let line = Self.readLine(out.fileHandleForReading), let port = Int(line) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw DidNotStart(description: "the Python listener printed no port: python3 is missing or the script failed (its error is on stderr)")
        }
        self.port = port
    }

    deinit { stop() }

    /// An HTTP/1.1 proxy to `127.0.0.1:upstream` that forwards every request and drops the answer of the first one
    /// for which `drop` (a Python expression over `method`, `path`, `headers` and `body`) is true: it closes the
    /// connection instead, as a network failure after the server did the work would. Prints `dropped STATUS` and
    /// `relayed STATUS`.
    public static func proxy(to upstream: Int, droppingFirstAnswerWhere drop: String = "True") throws -> PythonListener {
        try PythonListener(script: """
            import http.client, threading, urllib.parse
            dropped = []
            def serve(c):
                f = c.makefile("rb")
                while True:
                    request = f.readline()
                    if not request: return
                    method, path = request.decode().split(" ")[:2]
                    headers = {}
                    while True:
                        line = f.readline().decode()
                        if line in ("\\r\\n", "\\n", ""): break
                        k, v = line.split(":", 1); headers[k.strip().lower()] = v.strip()
                    body = f.read(int(headers.get("content-length", "0")))
                    forwarded = {k: v for k, v in headers.items() if k not in ("host", "connection")}
                    u = http.client.HTTPConnection("127.0.0.1", \(upstream), timeout=60)
                    u.request(method, path, body, forwarded)
                    r = u.getresponse(); data = r.read()
                    if not dropped and (\(drop)):
                        dropped.append(1); print("dropped", r.status, flush=True); c.close(); return
                    print("relayed", r.status, flush=True)
                    head = "HTTP/1.1 %d X\\r\\nContent-Length: %d\\r\\n" % (r.status, len(data))
                    for k, v in r.getheaders():
                        if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                            head += "%s: %s\\r\\n" % (k, v)
                    c.sendall((head + "\\r\\n").encode() + data)
            while True:
                c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
            """)
    }

    /// What the script printed after the port, once it is stopped.
    public func output() -> String {
        stop()
        return String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    public func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    private static func readLine(_ handle: FileHandle) -> String? {
        var line = Data()
        while true {
            guard let byte = try? handle.read(upToCount: 1), !byte.isEmpty else { break }
            if byte[0] == 10 { break }
            line += byte
        }
        return line.isEmpty ? nil : String(decoding: line, as: UTF8.self)
    }
}
