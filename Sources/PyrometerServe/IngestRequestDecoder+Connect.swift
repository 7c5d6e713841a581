import PyrometerIngest
import PyrometerModel

extension IngestRequestDecoder {
    // MARK: - Connect push

    /// Connect `POST /push.v1.PusherService/Push` (pyroscope-rs, Grafana Alloy): a `PushRequest`, protobuf
    /// (`application/proto`) or protojson (`application/json`), gzip (`Content-Encoding: gzip`, inflated within
    /// the limit) or not; each series' `service_name` label is the service (`unknown_service` without one, as
    /// OpenTelemetry names it), `__name__` the series name, its other labels the profile's; each sample's
    /// `raw_profile` a pprof, gzip or not. Connect answers 501 for an unknown encoding; this is 415, which Alloy
    /// does not retry (it retries every 5xx).
    public static func connectPush(contentType: String?, contentEncoding: String?, body: [UInt8],
                                   limits: IngestLimits) throws(IngestError) -> [IngestedProfile] {
        try limits.checkBody(body)
        let mediaType = (contentType ?? "").split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
        let isJSON: Bool
        switch mediaType {
        case "application/proto", "application/protobuf": isJSON = false
        case "application/json": isJSON = true
        default:
            throw .unsupported("Content-Type `\(contentType ?? "")`: a Connect push is application/proto or application/json")
        }
        let decoded: [UInt8]
        switch (contentEncoding ?? "").trimmingSpaces.lowercased() {
        case "", "identity": decoded = body
        case "gzip": decoded = try BodyInflater.gunzip(body, limit: limits.maxInflatedBytes)
        case let other: throw .unsupported("Content-Encoding `\(other)`: a Connect push is gzip or identity")
        }
        let request = isJSON ? try PushRequest(json: decoded, maxSamples: limits.maxProfiles)
            : try PushRequest(protobuf: decoded, maxSamples: limits.maxProfiles)

        var profiles: [IngestedProfile] = []
        for (s, series) in request.series.enumerated() {
            var labels: [String: String] = [:]
            var service: String?
            var seriesName: String?
            for (name, value) in series.labels {
                guard !name.isEmpty else { throw .badRequest("series[\(s)]: a label without a name") }
                switch name {
                case "service_name": service = value
                case "__name__": seriesName = value
                // Pyroscope keeps `__session_id__` of its reserved labels and drops the others (`__delta__`, ...).
                case _ where name.hasPrefix("__") && name != "__session_id__": continue
                default:
                    guard labels.updateValue(value, forKey: name) == nil else {
                        throw .badRequest("series[\(s)]: label \(name) given twice")
                    }
                }
            }
            try limits.checkLabels(labels, of: "series[\(s)]")
            for (i, sample) in series.samples.enumerated() where !sample.rawProfile.isEmpty {
                let result = try ProfileLoading.pprof(sample.rawProfile, name: "series[\(s)].samples[\(i)].raw_profile",
                                                      limits: limits)
                let profile = result.profile
                profiles.append(IngestedProfile(
                    service: service.flatMap { $0.isEmpty ? nil : $0 } ?? "unknown_service", labels: labels,
                    seriesName: seriesName, timeNanos: profile.timeNanos > 0 ? profile.timeNanos : nil,
                    durationNanos: profile.durationNanos > 0 ? profile.durationNanos : nil, profile: profile,
                    diagnostics: result.diagnostics))
            }
        }
        // Pyroscope's distributor says the same for a push without samples.
        guard !profiles.isEmpty else { throw .badRequest("no profiles received") }
        return profiles
    }

    // MARK: - Our own API

    /// `POST /api/v1/profiles?service=NAME&label=k:v&label=...&time=T`: a body in any format Pyrometer reads
    /// (sniffed; gzip or zstd as files may be). `time` is Unix time by digit count (as Pyroscope's `from`) or a
    /// store time (`2026-11-20T10:30:00Z`); without it, the profile's own time, if any.
    public static func native(query: [(String, String)], body: [UInt8], limits: IngestLimits) throws(IngestError)
        -> [IngestedProfile] {
        try limits.checkBody(body)
        guard let service = query.first(where: { $0.0 == "service" })?.1, !service.isEmpty else {
            throw .badRequest("service: missing (?service=NAME)")
        }
        var labels: [String: String] = [:]
        for (key, value) in query where key == "label" {
            guard let colon = value.firstIndex(of: ":"), colon != value.startIndex else {
                throw .badRequest("label `\(value)`: expected key:value")
            }
            let name = String(value[..<colon])
            guard labels.updateValue(String(value[value.index(after: colon)...]), forKey: name) == nil else {
                throw .badRequest("label \(name) given twice")
            }
        }
        try limits.checkLabels(labels, of: "label")
        var time: Int64?
        if let text = query.first(where: { $0.0 == "time" })?.1, !text.isEmpty {
            if text.utf8.allSatisfy({ (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) }) {
                time = try PyroscopeTime.parse(text, now: nil)
            } else {
                do { time = try StoreTime.parse(text) } catch {
                    throw .badRequest("time `\(text)`: \(error)")
                }
            }
        }
        guard !body.isEmpty else { throw .badRequest("empty body: expected a profile") }
        let result = try ProfileLoading.any(body, name: "body", limits: limits)
        let profile = result.profile
        return [IngestedProfile(service: service, labels: labels, seriesName: nil,
                                timeNanos: time ?? (profile.timeNanos > 0 ? profile.timeNanos : nil),
                                durationNanos: profile.durationNanos > 0 ? profile.durationNanos : nil,
                                profile: profile, diagnostics: result.diagnostics)]
    }
}
