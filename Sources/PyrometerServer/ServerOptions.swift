/// How `pyrometer serve` listens and what it accepts; each field documents its default.
public struct ServerOptions: Sendable {
    /// The address to listen on: 127.0.0.1 (loopback only) unless told otherwise.
    public var host = "127.0.0.1"
    /// The port; 0 picks a free one (the server says which).
    public var port = 4040
    /// A path prefix every route lives under, for a server behind a proxy that forwards `/p/...` (`--base-path /p`):
    /// "" or a path starting with `/`, without a trailing one.
    public var basePath = ""
    /// The write token: when set, every push must carry it (`Authorization: Bearer TOKEN`, or Basic with the
    /// token as its password, as Pyroscope's clients send credentials); nil accepts pushes from anyone.
    public var token: [UInt8]?
    /// The largest request body accepted, before decompression (413 beyond it).
    public var maxBodyBytes = 64 << 20
    /// The largest a compressed body or profile may inflate to (413 beyond it): a guard against gzip bombs.
    public var maxInflatedBytes = 512 << 20

    public init() {}
}
