import PyrometerModel

/// Why a push did not store a profile. The message says what to do next.
public enum PushError: UserFacingError, Sendable {
    /// The command line or the profile cannot make a push (nothing was sent).
    case invalid(String)
    /// The server refused it; retrying would get the same answer (a 400 for a bad profile, 401 without the token).
    case refused(status: Int, message: String)
    /// Every attempt failed on the network or with a server error that may pass.
    case gaveUp(attempts: Int, lastReason: String)

    public var description: String {
        switch self {
        case .invalid(let message): message
        case .refused(let status, let message):
            "the server refused the profile (HTTP \(status)): \(message)" + Self.advice(status)
        case .gaveUp(let attempts, let reason):
            "no attempt of \(attempts) stored the profile; the last: \(reason)"
        }
    }

    private static func advice(_ status: Int) -> String {
        switch status {
        case 401, 403: " (give the server's write token with --token-file)"
        case 404: " (check --to: the server's base URL, and --api)"
        case 413: " (the server's --max-body-size is smaller than this profile)"
        default: ""
        }
    }
}
