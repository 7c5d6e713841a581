/// Connect's error codes and the HTTP status each is sent with (connect-go `protocol_connect.go`, the unary
/// protocol: an error is a JSON body `{"code":"invalid_argument","message":"..."}` with `Content-Type:
/// application/json`). Pyroscope's legacy `/ingest` answers with the same body, its code derived from the status.
public enum ConnectCode: String, Sendable, CaseIterable {
    case canceled, unknown
    case invalidArgument = "invalid_argument"
    case deadlineExceeded = "deadline_exceeded"
    case notFound = "not_found"
    case alreadyExists = "already_exists"
    case permissionDenied = "permission_denied"
    case resourceExhausted = "resource_exhausted"
    case failedPrecondition = "failed_precondition"
    case aborted
    case outOfRange = "out_of_range"
    case unimplemented, `internal`, unavailable
    case dataLoss = "data_loss"
    case unauthenticated

    /// The status a Connect server answers this code with.
    public var httpStatus: Int {
        switch self {
        case .canceled: 499
        case .unknown, .internal, .dataLoss: 500
        case .invalidArgument, .failedPrecondition, .outOfRange: 400
        case .deadlineExceeded: 504
        case .notFound: 404
        case .alreadyExists, .aborted: 409
        case .permissionDenied: 403
        case .resourceExhausted: 429
        case .unimplemented: 501
        case .unavailable: 503
        case .unauthenticated: 401
        }
    }

    /// The code for an HTTP status, as Pyroscope's `connectgrpc.HTTPToCode` picks it for `/ingest` errors; 413, 415
    /// and 422 (a reused Idempotency-Key) are client errors nobody should retry, so `invalid_argument` (Alloy
    /// retries 429, 5xx and some codes).
    public init(httpStatus: Int) {
        switch httpStatus {
        case 400, 413, 415, 422: self = .invalidArgument
        case 401: self = .unauthenticated
        case 403: self = .permissionDenied
        case 404: self = .notFound
        case 409: self = .alreadyExists
        case 429: self = .resourceExhausted
        case 499: self = .canceled
        case 501: self = .unimplemented
        case 503: self = .unavailable
        case 504: self = .deadlineExceeded
        case 500 ... 599: self = .internal
        default: self = .unknown
        }
    }
}

/// The answer to a failed ingest request: status, JSON body (content type `application/json`).
public struct IngestErrorResponse: Sendable, Equatable {
    public var status: Int
    public var code: ConnectCode
    public var body: [UInt8]

    /// For the Connect endpoint: the status is the code's (the protocol requires it), so a 413 or 415 goes out as
    /// 400 `invalid_argument`.
    public static func connect(_ error: IngestError) -> IngestErrorResponse {
        let code = ConnectCode(httpStatus: error.status)
        return IngestErrorResponse(status: code.httpStatus, code: code, body: body(code: code, message: error.description))
    }

    /// For `/ingest` and our own API: the error's status as it is, the code derived from it, a trailing newline as
    /// Pyroscope writes.
    public static func http(_ error: IngestError) -> IngestErrorResponse {
        let code = ConnectCode(httpStatus: error.status)
        return IngestErrorResponse(status: error.status, code: code,
                                   body: body(code: code, message: error.description) + [UInt8(ascii: "\n")])
    }

    /// `{"code":"...","message":"..."}`, the message escaped as a JSON string.
    public static func body(code: ConnectCode, message: String) -> [UInt8] {
        Array("{\"code\":\"\(code.rawValue)\",\"message\":\(jsonString(message))}".utf8)
    }

    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
