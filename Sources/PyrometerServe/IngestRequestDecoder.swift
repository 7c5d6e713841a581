#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PyrometerIngest
import PyrometerModel

/// The decoding half of `pyrometer serve`'s ingest endpoints: an HTTP request's parts (query items, headers, body
/// bytes) to profiles ready for the store, or an `IngestError` with the status to answer. No networking and no
/// store: the routes call these and write what they return, all or nothing. Protocol notes: docs/serve.md.
public enum IngestRequestDecoder {
    // MARK: - Pyroscope /ingest

    /// Pyroscope's legacy `POST /ingest` (and `/pyroscope/ingest`), as pyroscope-go and older agents send: query items
    /// `name` (`app{k=v,...}`, required), `from`, `until`, `format`, `sampleRate`, `spyName`, `units`,
    /// `aggregationType`; the body as `PyroscopeIngestFormat.init(format:contentType:)` picks it.
    /// `receivedAtNanos` resolves relative times (`from=now-10s`).
    public static func pyroscopeIngest(query: [(String, String)], contentType: String?, body: [UInt8],
                                       limits: IngestLimits, receivedAtNanos: Int64? = nil) throws(IngestError)
        -> [IngestedProfile] {
        try limits.checkBody(body)
        func item(_ key: String) -> String? { query.first { $0.0 == key }?.1 }
        guard let nameText = item("name"), !nameText.isEmpty else {
            throw .badRequest("name: missing (the application name, `app{key=value,...}`)")
        }
        let appName = try PyroscopeAppName(parsing: nameText)
        let from = try PyroscopeTime.parse(item("from") ?? "", now: receivedAtNanos)
        let until = try PyroscopeTime.parse(item("until") ?? "", now: receivedAtNanos)
        // Pyroscope logs a bad rate and goes on with its default, 100 Hz.
        let sampleRate = item("sampleRate").flatMap { Int64($0) }.flatMap { $0 >= 0 ? $0 : nil } ?? 100
        let units = item("units").flatMap { $0.isEmpty ? nil : $0 }
        let spyName = item("spyName").flatMap { $0.isEmpty ? nil : $0 }

        let (service, suffixType) = appName.serviceAndType
        var labels: [String: String] = [:]
        for (key, value) in appName.labels where !key.hasPrefix("__") || key == "__session_id__" {
            labels[key] = value
        }
        var serviceName = service
        if let explicit = labels.removeValue(forKey: "service_name") {
            // As Pyroscope: the explicit label is the service, the app name is kept as `app_name`.
            serviceName = explicit
            labels["app_name"] = appName.name
        }
        if let spyName { labels["pyroscope_spy"] = spyName }
        try limits.checkLabels(labels, of: "name")
        guard !serviceName.isEmpty else { throw .badRequest("name: the service name is empty") }

        // `from` may be far before 1970 (a date), so the difference may not fit.
        let duration: Int64? = if let from, let until, until > from, case let (span, false) = until
            .subtractingReportingOverflow(from) { span } else { nil }
        func ingested(_ profile: Profile, _ diagnostics: [Diagnostic], seriesName: String?) -> IngestedProfile {
            // A pprof's own window wins unless it is unset or in 1970 (Pyroscope's rule: clients that leave it 0).
            let time = profile.timeNanos >= Self.oneYearNanos ? profile.timeNanos : from
            let span = profile.durationNanos > 0 ? profile.durationNanos : duration
            return IngestedProfile(service: serviceName, labels: labels, seriesName: seriesName, timeNanos: time,
                                   durationNanos: span, profile: profile, diagnostics: diagnostics)
        }

        let format = try PyroscopeIngestFormat(format: item("format"), contentType: contentType)
        switch format {
        case .pprof:
            guard !body.isEmpty else { return [] }  // as an empty `profile` part below
            let result = try ProfileLoading.pprof(body, name: "body", limits: limits)
            return [ingested(result.profile, result.diagnostics, seriesName: seriesName(of: result.profile, config: [:]))]
        case .multipart(let boundary):
            let form = try MultipartForm(body: body, boundary: boundary)
            if let previous = form.part("prev_profile"), !previous.range.isEmpty {
                throw .badRequest("""
                    prev_profile: cumulative profiles with a previous profile are not supported (nor by Pyroscope); \
                    update the client (pyroscope-go 1.x sends delta profiles)
                    """)
            }
            var config: [String: SampleTypeConfig] = [:]
            if let part = form.part("sample_type_config"), !part.range.isEmpty {
                do {
                    config = try JSONDecoder().decode([String: SampleTypeConfig].self, from: Data(body[part.range]))
                } catch {
                    throw .badRequest("sample_type_config: not a JSON object of sample type settings (\(error))")
                }
            }
            guard let part = form.part("profile") else { throw .badRequest("multipart body: no `profile` part") }
            // Pyroscope answers 200 and stores nothing for an empty profile.
            guard !part.range.isEmpty else { return [] }
            let result = try ProfileLoading.pprof(Array(body[part.range]), name: "profile", limits: limits)
            return [ingested(result.profile, result.diagnostics, seriesName: seriesName(of: result.profile, config: config))]
        case .folded, .lines:
            let (imported, diagnostics) = format == .lines
                ? (ProfileLoading.lines(body), [])
                : try ProfileLoading.folded(body, name: "body", limits: limits).parts
            let type = suffixType ?? .cpu
            let sampleType: ValueType, periodType: ValueType?, period: Int64
            if type.isSampledTime {
                // The counts stay sample counts; the period says what one is worth (1e9/rate ns), as in pprof's
                // own CPU profiles (Pyroscope multiplies the counts instead).
                sampleType = .samples
                periodType = sampleRate > 0 ? ValueType(type: type == .wall ? "wall" : "cpu", unit: "nanoseconds") : nil
                period = sampleRate > 0 ? 1_000_000_000 / sampleRate : 0
            } else {
                sampleType = ValueType(type: type.rawValue, unit: type.unit(units: units))
                (periodType, period) = (nil, 0)
            }
            let profile = ProfileLoading.restamped(imported, sampleType: sampleType, periodType: periodType,
                                                   period: period, timeNanos: from, durationNanos: duration)
            return [ingested(profile, diagnostics, seriesName: type.seriesName)]
        case .speedscope:
            let result = try ProfileLoading.speedscope(body, name: "body", limits: limits)
            return [ingested(result.profile, result.diagnostics, seriesName: suffixType?.seriesName)]
        case .unsupported(let name):
            throw .unsupported("""
                format=\(name) is not supported by this server: send pprof (format=pprof, or a multipart form with a \
                `profile` part), folded stacks (the default), format=lines or format=speedscope
                """)
        }
    }

    static let oneYearNanos: Int64 = 365 * CivilDate.nanosPerDay

    /// pyroscope-go's `sample_type_config`: per sample type, how Pyroscope should show and aggregate it. Only the
    /// display name is used (it names the series, as Pyroscope derives `__name__`); the pprof keeps its own names.
    struct SampleTypeConfig: Decodable {
        var units: String?
        var displayName: String?
        var aggregation: String?
        var cumulative: Bool?
        var sampled: Bool?
        enum CodingKeys: String, CodingKey {
            case units, aggregation, cumulative, sampled
            case displayName = "display-name"
        }
    }

    /// Pyroscope's `__name__` for a pprof upload (`pkg/og/convert/pprof/profile.go`): wall if any sample type is,
    /// else the first sample type (by display name) that names CPU, memory, mutex, block or goroutines.
    static func seriesName(of profile: Profile, config: [String: SampleTypeConfig]) -> String? {
        let names = profile.sampleTypes.map { config[$0.type]?.displayName ?? $0.type }
        if names.contains("wall") { return "wall" }
        for name in names {
            if name.contains("cpu") { return "process_cpu" }
            if ["alloc_", "inuse_", "space", "objects"].contains(where: name.contains) { return "memory" }
            if name.contains("mutex_") { return "mutex" }
            if name.contains("block_") { return "block" }
            if name.contains("goroutine") { return "goroutines" }
        }
        return nil
    }
}

/// How an `/ingest` body is encoded: grafana/pyroscope `ingest_handler.go` picks it from `format` and the content
/// type, first match wins.
public enum PyroscopeIngestFormat: Equatable, Sendable {
    /// The body is a pprof profile.proto, gzip or not (`format=pprof`).
    case pprof
    /// A `multipart/form-data` form whose `profile` part is the pprof (pyroscope-go).
    case multipart(boundary: String)
    /// Folded stacks, `a;b;c 12` (`format=folded`, `format=groups`, no format, any unknown one: Pyroscope's default).
    case folded
    /// One stack per line, each one sample (`format=lines`).
    case lines
    /// speedscope's JSON file format (`format=speedscope`).
    case speedscope
    /// A format Pyroscope reads and this server does not (trie, tree, JFR).
    case unsupported(String)

    public init(format: String?, contentType: String?) throws(IngestError) {
        let type = contentType?.lowercased() ?? ""
        switch format {
        case "trie", "tree", "jfr": self = .unsupported(format!)
        case "speedscope": self = .speedscope
        case _ where type.hasPrefix("binary/octet-stream+trie"): self = .unsupported("trie")
        case _ where type.hasPrefix("binary/octet-stream+tree"): self = .unsupported("tree")
        case "lines": self = .lines
        case "pprof": self = .pprof
        case _ where type.contains("multipart/form-data"):
            guard let boundary = try MultipartForm.boundary(contentType: contentType ?? "") else {
                throw .badRequest("Content-Type \(contentType ?? ""): expected multipart/form-data; boundary=...")
            }
            self = .multipart(boundary: boundary)
        default: self = .folded
        }
    }
}
