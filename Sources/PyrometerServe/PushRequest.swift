#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PyrometerIngest
import PyrometerModel

/// Pyroscope's `push.v1.PushRequest` (grafana/pyroscope `api/push/v1/push.proto`), as pyroscope-rs and Grafana
/// Alloy send it to `/push.v1.PusherService/Push`:
/// ```
/// PushRequest      { repeated RawProfileSeries series = 1; }
/// RawProfileSeries { repeated LabelPair labels = 1; repeated RawSample samples = 2; }   (3: annotations, skipped)
/// LabelPair        { string name = 1; string value = 2; }
/// RawSample        { bytes raw_profile = 1; string ID = 2; }
/// ```
/// `raw_profile` stays a range of the body (pprof, gzip or not), decoded later by the pprof importer.
public struct PushRequest: Sendable {
    public struct Series: Sendable {
        public var labels: [(name: String, value: String)]
        public var samples: [Sample]
    }

    public struct Sample: Sendable {
        /// The pprof bytes (a range of the decoded body for protobuf, decoded base64 for JSON).
        public var rawProfile: [UInt8]
        public var id: String
    }

    public var series: [Series]

    /// Decodes the protobuf encoding; errors name the byte offset in `body`.
    public init(protobuf body: [UInt8], maxSamples: Int) throws(IngestError) {
        let decoded = body.withUnsafeBytes { bytes in
            Result { () throws(ProfileError) -> [Series] in try Self.series(ProtoReader(bytes, format: "protobuf")) }
        }
        switch decoded {
        case .success(let series):
            guard series.reduce(0, { $0 + $1.samples.count }) <= maxSamples else {
                throw .tooLarge("PushRequest: more than \(maxSamples) samples")
            }
            self.series = series
        case .failure(let error):
            throw .badRequest("PushRequest: byte \(error.byteOffset ?? 0): \(error.message)")
        }
    }

    /// PushRequest{1: series{1: labels{1: name, 2: value}, 2: samples{1: raw_profile, 2: ID}}}.
    private static func series(_ reader: ProtoReader) throws(ProfileError) -> [Series] {
        var request = reader
        var series: [Series] = []
        while !request.isAtEnd {
            let (field, wire) = try request.tag()
            guard field == 1, wire == .lengthDelimited else { try request.skip(wire); continue }
            var message = try request.lengthDelimited()
            var item = Series(labels: [], samples: [])
            while !message.isAtEnd {
                let (field, wire) = try message.tag()
                switch (field, wire) {
                case (1, .lengthDelimited):
                    var pair = try message.lengthDelimited()
                    var name = "", value = ""
                    while !pair.isAtEnd {
                        let (field, wire) = try pair.tag()
                        switch (field, wire) {
                        case (1, .lengthDelimited): name = try pair.string()
                        case (2, .lengthDelimited): value = try pair.string()
                        default: try pair.skip(wire)
                        }
                    }
                    item.labels.append((name, value))
                case (2, .lengthDelimited):
                    var sample = try message.lengthDelimited()
                    var decoded = Sample(rawProfile: [], id: "")
                    while !sample.isAtEnd {
                        let (field, wire) = try sample.tag()
                        switch (field, wire) {
                        case (1, .lengthDelimited): decoded.rawProfile = Array(try sample.lengthDelimited().bytes)
                        case (2, .lengthDelimited): decoded.id = try sample.string()
                        default: try sample.skip(wire)
                        }
                    }
                    item.samples.append(decoded)
                default: try message.skip(wire)
                }
            }
            series.append(item)
        }
        return series
    }

    /// Decodes the protojson encoding (`{"series":[{"labels":[{"name":..,"value":..}],"samples":[{"rawProfile":
    /// "<base64>","ID":".."}]}]}`; proto field names such as `raw_profile` are accepted too, as protojson does).
    public init(json body: [UInt8], maxSamples: Int) throws(IngestError) {
        let decoded: JSONRequest
        do {
            decoded = try JSONDecoder().decode(JSONRequest.self, from: Data(body))
        } catch {
            throw .badRequest("PushRequest JSON: \(Self.describe(error))")
        }
        series = []
        var count = 0
        for (s, item) in (decoded.series ?? []).enumerated() {
            var out = Series(labels: (item.labels ?? []).map { ($0.name ?? "", $0.value ?? "") }, samples: [])
            for (i, sample) in (item.samples ?? []).enumerated() {
                count += 1
                guard count <= maxSamples else { throw .tooLarge("PushRequest: more than \(maxSamples) samples") }
                let text = sample.rawProfile ?? sample.raw_profile ?? ""
                // protojson writes standard base64 and reads URL-safe too.
                let standard = text.replacing("-", with: "+").replacing("_", with: "/")
                let padded = standard + String(repeating: "=", count: (4 - standard.utf8.count % 4) % 4)
                guard let bytes = Data(base64Encoded: padded) else {
                    throw .badRequest("PushRequest JSON: series[\(s)].samples[\(i)].rawProfile is not base64")
                }
                out.samples.append(Sample(rawProfile: Array(bytes), id: sample.ID ?? sample.id ?? ""))
            }
            series.append(out)
        }
    }

    private struct JSONRequest: Decodable {
        var series: [JSONSeries]?
    }
    private struct JSONSeries: Decodable {
        var labels: [JSONLabel]?
        var samples: [JSONSample]?
    }
    private struct JSONLabel: Decodable {
        var name: String?
        var value: String?
    }
    private struct JSONSample: Decodable {
        var rawProfile: String?
        var raw_profile: String?
        var ID: String?
        var id: String?
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context),
             DecodingError.valueNotFound(_, let context), DecodingError.keyNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return (path.isEmpty ? "" : "at \(path): ") + context.debugDescription
        default:
            return "\(error)"
        }
    }
}
