import PyrometerIngest
import PyrometerModel

/// One profile decoded from an ingest request, ready for the store: the service it belongs to, its series labels,
/// its time window and the profile itself. A request gives one or more (a Connect push carries one per series).
public struct IngestedProfile: Sendable {
    /// The application: Pyroscope's app name without its `{labels}` and without a trailing profile-type suffix
    /// (`myapp.cpu` → `myapp`; see `PyroscopeProfileType`), or the `service_name` label when one is given.
    public var service: String
    /// Series labels (the app name's `{k=v}`, a push's series labels, `label=k:v`), without `__name__` and
    /// `service_name`, which became `seriesName` and `service`. Per-sample labels (pprof's, e.g. `endpoint`) stay in
    /// the profile.
    public var labels: [String: String]
    /// Pyroscope's `__name__` (`process_cpu`, `memory`, ...), as the client sent or as Pyroscope would derive it;
    /// a description only: the profile's sample types carry the meaning.
    public var seriesName: String?
    /// The window's start (Unix nanoseconds): the pprof's `time_nanos` when it is a real time, else the request's
    /// `from`/`time`; nil when the request told none (the caller stamps the receive time).
    public var timeNanos: Int64?
    public var durationNanos: Int64?
    public var profile: Profile
    /// Odd but usable input the importer skipped (e.g. folded lines without a count).
    public var diagnostics: [Diagnostic]

    public init(service: String, labels: [String: String], seriesName: String? = nil, timeNanos: Int64?,
                durationNanos: Int64?, profile: Profile, diagnostics: [Diagnostic] = []) {
        self.service = service
        self.labels = labels
        self.seriesName = seriesName
        self.timeNanos = timeNanos
        self.durationNanos = durationNanos
        self.profile = profile
        self.diagnostics = diagnostics
    }
}

/// A request that cannot be ingested, with the HTTP status to answer (the Connect code follows from it, see
/// `ConnectCode.init(httpStatus:)`). Nothing of the request is stored.
public struct IngestError: Error, CustomStringConvertible, Sendable, Equatable {
    public var status: Int
    public var description: String

    public init(status: Int, _ description: String) {
        self.status = status
        self.description = description
    }

    /// 400: the request or its profile is malformed.
    public static func badRequest(_ message: String) -> IngestError { IngestError(status: 400, message) }
    /// 413: the body, or what it inflates to, is over a limit.
    public static func tooLarge(_ message: String) -> IngestError { IngestError(status: 413, message) }
    /// 415: a media type, content encoding or body format this server does not read.
    public static func unsupported(_ message: String) -> IngestError { IngestError(status: 415, message) }

    /// A profile that failed to import: 413 for a limit, 400 for anything else; the importer's message keeps its
    /// position (`raw_profile: byte 120: invalid profile.proto: truncated varint`).
    init(_ error: ProfileError) {
        self.init(status: error.code == .tooLarge ? 413 : 400, error.description)
    }
}

/// Bounds on what one request may make the server hold. Each field documents its default.
public struct IngestLimits: Sendable {
    /// The largest request body accepted, as received; default 32 MiB. The server should stop reading past it; the
    /// decoders check again.
    public var maxBodyBytes = 32 << 20
    /// The most bytes a body, or one profile in it, may inflate to (gzip, zstd); default 256 MiB. Past it: 413.
    public var maxInflatedBytes = 256 << 20
    /// Profiles per request (series × samples of a push); default 256.
    public var maxProfiles = 256
    /// Series labels per profile; default 64 (Pyroscope allows 30 by default; Go and Python clients send 5-10).
    public var maxLabels = 64
    /// Bytes of a label name and of a label value; defaults 1 KiB and 2 KiB, Pyroscope's.
    public var maxLabelNameBytes = 1024
    public var maxLabelValueBytes = 2048

    public init() {}

    /// The importers' options under these limits: one thread (the server runs requests in parallel instead), and
    /// records up to 16 MiB.
    var importOptions: ImportOptions {
        var options = ImportOptions()
        options.threads = 1
        options.blockSize = 1 << 20
        options.maxInflatedBytes = maxInflatedBytes
        options.maxRecordBytes = min(16 << 20, maxInflatedBytes)
        return options
    }

    /// 413 unless `body` is within `maxBodyBytes`.
    func checkBody(_ body: [UInt8]) throws(IngestError) {
        guard body.count <= maxBodyBytes else {
            throw .tooLarge("request body is \(body.count) bytes, over the limit of \(maxBodyBytes)")
        }
    }

    /// 400 unless the labels are within the counts and lengths above.
    func checkLabels(_ labels: [String: String], of what: String) throws(IngestError) {
        guard labels.count <= maxLabels else {
            throw .badRequest("\(what): \(labels.count) labels, over the limit of \(maxLabels)")
        }
        for (name, value) in labels {
            guard name.utf8.count <= maxLabelNameBytes else {
                throw .badRequest("\(what): label name longer than \(maxLabelNameBytes) bytes")
            }
            guard value.utf8.count <= maxLabelValueBytes else {
                throw .badRequest("\(what): value of label \(name) longer than \(maxLabelValueBytes) bytes")
            }
        }
    }
}
