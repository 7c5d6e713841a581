import PyrometerIngest
import PyrometerModel

/// Bodies to profiles through the importers Pyrometer already has: sniffing, gzip and zstd within
/// `IngestLimits.maxInflatedBytes`, and their positioned errors turned into `IngestError`s.
enum ProfileLoading {
    /// Any format Pyrometer reads (what `pyrometer` reads from a file).
    static func any(_ bytes: [UInt8], name: String, limits: IngestLimits) throws(IngestError) -> ImportResult {
        do {
            return try Importers.load(InputFile(name: name, bytes: bytes), options: limits.importOptions)
        } catch {
            throw IngestError(error)
        }
    }

    /// A pprof profile.proto, gzip or not; any other format is refused.
    static func pprof(_ bytes: [UInt8], name: String, limits: IngestLimits) throws(IngestError) -> ImportResult {
        let result = try any(bytes, name: name, limits: limits)
        guard result.profile.sourceTraits.contains(.pprofEncoded) else {
            throw .badRequest("\(name): not a pprof profile (it reads as \(result.profile.sourceFormat))")
        }
        return result
    }

    /// Folded stacks (`root;frame;leaf COUNT` per line): Pyroscope's default `/ingest` body.
    static func folded(_ bytes: [UInt8], name: String, limits: IngestLimits) throws(IngestError) -> ImportResult {
        do {
            return try FoldedImporter().parse(InputFile(name: name, bytes: bytes), options: limits.importOptions)
        } catch {
            throw IngestError(error)
        }
    }

    /// speedscope's JSON file format.
    static func speedscope(_ bytes: [UInt8], name: String, limits: IngestLimits) throws(IngestError) -> ImportResult {
        do {
            return try SpeedscopeImporter().parse(InputFile(name: name, bytes: bytes), options: limits.importOptions)
        } catch {
            throw IngestError(error)
        }
    }

    /// Pyroscope's `lines` body: one root-first `;`-separated stack per line, each line one sample.
    static func lines(_ bytes: [UInt8]) -> Profile {
        var builder = ProfileBuilder(sampleTypes: [.samples], sourceFormat: "pyroscope-lines",
                                     sourceTraits: [.countsAreSamples, .namesAreStackText])
        var locations: [LocationID] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            var text = line[...]
            if text.last == UInt8(ascii: "\r") { text = text.dropLast() }
            guard !text.isEmpty else { continue }
            locations.removeAll(keepingCapacity: true)
            // Leaf first, as the model keeps stacks.
            for frame in text.split(separator: UInt8(ascii: ";")).reversed() {
                let function = builder.function(named: String(decoding: frame, as: UTF8.self))
                locations.append(builder.intern(Location(mapping: nil, address: 0, lines: [Line(function: function)])))
            }
            guard !locations.isEmpty else { continue }
            builder.add(stack: builder.intern(stack: locations), type: 0, value: 1)
        }
        return builder.build()
    }

    /// `profile` with its sample types, period and time replaced (a folded body's counts are CPU samples, named so).
    static func restamped(_ profile: Profile, sampleType: ValueType?, periodType: ValueType?, period: Int64,
                          timeNanos: Int64?, durationNanos: Int64?) -> Profile {
        var builder = ProfileBuilder(sampleTypes: profile.sampleTypes, defaultSampleType: profile.defaultSampleType,
                                     sourceFormat: profile.sourceFormat, sourceTraits: profile.sourceTraits)
        builder.merge(profile)
        if let sampleType, builder.sampleTypes.count == 1 { builder.sampleTypes = [sampleType] }
        if let periodType {
            builder.periodType = periodType
            builder.period = period
        }
        if let timeNanos { builder.timeNanos = timeNanos }
        if let durationNanos { builder.durationNanos = durationNanos }
        return builder.build()
    }
}

extension ImportResult {
    var parts: (Profile, [Diagnostic]) { (profile, diagnostics) }
}
