import Hummingbird

/// The web UI's files, built into the binary (UIAssets+*.swift): the page, its three scripts, style sheet and icon.
enum UIAssets {
    static let favicon = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect y="12" width="16" height="4" fill="#e8a33c"/>\
        <rect x="1" y="8" width="11" height="4" fill="#e0602a"/><rect x="3" y="4" width="5" height="4" fill="#c83a1e"/></svg>
        """

    /// Route (under the base path) → content type and body.
    static let files: [(path: String, contentType: String, body: String)] = [
        ("ui/app.js", "text/javascript; charset=utf-8", appScript),
        ("ui/flame.js", "text/javascript; charset=utf-8", flameScript),
        ("ui/compare.js", "text/javascript; charset=utf-8", compareScript),
        ("ui/app.css", "text/css; charset=utf-8", styleSheet),
        ("ui/favicon.svg", "image/svg+xml", favicon),
    ]
}

/// Serves the web UI at the base path (`/` or `/p/`) and at `ui` below it. The page links everything relatively
/// (`ui/app.js`, `api/v1/...`), so it works behind a proxy that forwards a prefix; that is also why the base path
/// without its trailing slash is redirected to it (from `/p`, `ui/app.js` would resolve to `/ui/app.js`), and
/// `ui/` to `ui`. The redirects name the base path itself, which is the path clients see (`--base-path`).
struct UIRoutes: Sendable {
    let basePath: String

    /// No inline script or style, no other origin: the page's scripts are the three files above, and a function name
    /// that a bug let into markup could neither run nor load anything.
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func add(to router: some RouterMethods<BasicRequestContext>) {
        let basePath = basePath
        router.get("") { request, _ in
            if !request.uri.path.hasSuffix("/") { return Response(status: .found, headers: [.location: basePath + "/"]) }
            return Self.file(UIAssets.page, contentType: "text/html; charset=utf-8")
        }
        router.get("ui") { request, _ in
            // `ui/` would resolve `ui/app.js` to `ui/ui/app.js`.
            if request.uri.path.hasSuffix("/") { return Response(status: .found, headers: [.location: basePath + "/ui"]) }
            return Self.file(UIAssets.page, contentType: "text/html; charset=utf-8")
        }
        for file in UIAssets.files {
            router.get(RouterPath(file.path)) { _, _ in Self.file(file.body, contentType: file.contentType) }
        }
    }

    static func file(_ body: String, contentType: String) -> Response {
        Response(status: .ok,
                 headers: [.contentType: contentType, .contentSecurityPolicy: contentSecurityPolicy,
                           .xContentTypeOptions: "nosniff", .cacheControl: "no-cache"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
