import Foundation

/// Which store a command uses: `--store`, else `$PYROMETER_STORE`, else the embedded default under the user's data
/// directory (`$XDG_DATA_HOME/pyrometer/profiles.sqlite`, `~/.local/share/...` without it).
public enum StoreLocation {
    public static func defaultSQLitePath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let dataHome = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.local/share")
        return dataHome + "/pyrometer/profiles.sqlite"
    }

    /// `sqlite:PATH`, a plain path, or `clickhouse://host:port/db`. Without `create`, a SQLite file that does not
    /// exist is an error (reading commands do not leave empty stores behind).
    public static func open(_ specification: String?, create: Bool = true,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ProfileStore {
        let text = specification ?? environment["PYROMETER_STORE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "sqlite:" + defaultSQLitePath(environment: environment)
        if text.hasPrefix("clickhouse://") {
            guard let url = URLComponents(string: text) else { throw StoreError("'\(text)' is not a clickhouse:// URL") }
            return try ClickHouseStore(url: url)
        }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError("sqlite: needs a file path, e.g. sqlite:/var/lib/pyrometer.sqlite") }
            return try openSQLite(path, create: create)
        }
        guard !text.contains("://") else {
            throw StoreError("unknown store '\(text)': give sqlite:PATH or clickhouse://HOST:PORT/DATABASE")
        }
        return try openSQLite(text, create: create)
    }

    private static func openSQLite(_ path: String, create: Bool) throws -> ProfileStore {
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw StoreError("no store at \(path) (profiles are added with `pyrometer store add`)")
        }
        return try SQLiteStore(path: path)
    }
}
