import PyrometerAnalyze
import PyrometerModel
import PyrometerRender

/// `GET api/v1/render?...&format=`: a range as a file, through the exporters the CLI writes with.
enum Download: String, CaseIterable, Sendable {
    /// The interactive SVG of `pyrometer flamegraph`.
    case svg
    /// Folded stacks, full function names (as `pyrometer fold` of the `store:` input).
    case folded
    /// gzip'd profile.proto, for `go tool pprof`, Pyroscope, Grafana.
    case pprof
    /// Pyrometer's own JSON profile document (docs/formats.md).
    case json

    var contentType: String {
        switch self {
        case .svg: "image/svg+xml"
        case .folded: "text/plain; charset=utf-8"
        case .pprof: "application/gzip"
        case .json: "application/json"
        }
    }

    var fileExtension: String {
        switch self {
        case .svg: "svg"
        case .folded: "folded"
        case .pprof: "pb.gz"
        case .json: "json"
        }
    }

    func bytes(_ range: RangeProfile, request: RangeRequest) -> [UInt8] {
        switch self {
        case .svg:
            var options = FlamegraphOptions()
            options.title = "\(request.query.service ?? "") \(range.sampleType.type)"
            options.subtitle = "\(range.matched.count) profiles; " + request.summary
            options.countName = FlamegraphOptions.countName(forUnit: range.sampleType.unit)
            return FlamegraphRenderer(options: options).render(FlameGraphJSON.flameTree(range.profile))
        case .folded:
            var options = FoldOptions()
            options.fullNames = true
            return FoldedExporter().export(range.profile, options: options)
        case .pprof:
            return PprofExporter().export(range.profile)
        case .json:
            return JSONExporter().export(range.profile)
        }
    }

    /// `attachment; filename="api-cpu.svg"`: the name from the service and sample type, with anything but
    /// letters, digits, `.`, `-` and `_` made `_` (a header cannot carry a quote or a line break from a name).
    func disposition(_ range: RangeProfile, request: RangeRequest) -> String {
        let stem = "\(request.query.service ?? "profile")-\(range.sampleType.type)"
        return "attachment; filename=\"\(Self.safeName(stem)).\(fileExtension)\""
    }

    /// `stem` fit for a header's file name (the diff's downloads use it too).
    static func safeName(_ stem: String) -> String {
        String(stem.unicodeScalars.prefix(100).map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0" ... "9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        })
    }
}
