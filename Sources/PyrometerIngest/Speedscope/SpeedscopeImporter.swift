#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PyrometerModel

/// Reads speedscope's JSON files (`SpeedscopeFile`) into one profile: every profile of the file (py-spy writes one
/// per thread) merged, each sample labelled `speedscope_profile` with its profile's name. Times become
/// `time/nanoseconds` (the file's `seconds`, `milliseconds`, `microseconds` scaled), bytes `space/bytes`, `none`
/// `samples/count`. An evented profile's stack owns the time from each event to the next.
public struct SpeedscopeImporter: ProfileImporter {
    public static let formatName = "speedscope"
    /// The label naming which of the file's profiles a sample came from.
    public static let profileLabel = "speedscope_profile"

    public init() {}

    /// Yes when the text is a JSON object whose first key is `"$schema"` naming speedscope's schema, as every
    /// writer of the format puts it.
    public static func sniff(_ prefix: UnsafeRawBufferPointer, isComplete: Bool) -> SniffResult {
        let expected = Array("{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\"".utf8)
        // Compared without white space, which writers may put anywhere between the tokens.
        var compared = 0
        for byte in prefix where !Bytes.isWhitespace(byte) {
            guard byte == expected[compared] else { return .no }
            compared += 1
            if compared == expected.count { return .yes }
        }
        return isComplete ? .no : .needMoreBytes
    }

    public func parse(_ input: InputFile, options: ImportOptions) throws(ProfileError) -> ImportResult {
        let bytes = try input.readAll(limit: options.maxInflatedBytes, what: "speedscope file")
        let file: SpeedscopeFile
        do {
            file = try JSONDecoder().decode(SpeedscopeFile.self, from: Data(bytes))
        } catch {
            throw ProfileError(.malformed, "not a valid speedscope file: \(JSONErrors.describe(error))", file: input.name)
        }
        guard !file.profiles.isEmpty else {
            throw ProfileError(.malformed, "a speedscope file without profiles", file: input.name)
        }
        var builder = SpeedscopeProfileBuilder(frames: file.shared.frames)
        for (index, profile) in file.profiles.enumerated() {
            do throws(SpeedscopeProfileBuilder.Failure) {
                try builder.add(profile)
            } catch {
                throw ProfileError(.malformed, "profiles[\(index)]: \(error.message)", file: input.name)
            }
        }
        return ImportResult(profile: builder.build(name: file.name), diagnostics: [])
    }
}
