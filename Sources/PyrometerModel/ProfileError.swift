/// An input error with its position: the file, and a line or byte offset when known.
///
/// Prints as `perf.script:1234: malformed stack line: expected "addr symbol (dso)"`.
/// An error whose message is meant for the user as it stands (bad input, a refused comparison, a store that
/// cannot be read): commands print it and exit with status 2, not as a crash report.
public protocol UserFacingError: Error, CustomStringConvertible {}

public struct ProfileError: UserFacingError, Sendable, Equatable {
    public enum Code: String, Sendable {
        case unreadable
        case unknownFormat
        case malformed
        /// Larger than a configured limit (e.g. a gzip stream that inflates past `ImportOptions.maxInflatedBytes`).
        case tooLarge
    }

    public var code: Code
    public var message: String
    public var file: String?
    public var line: Int?
    public var byteOffset: Int?

    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil, byteOffset: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.byteOffset = byteOffset
    }

    /// The same error, attributed to `file` when it has no file yet.
    public func inFile(_ file: String) -> ProfileError {
        var copy = self
        if copy.file == nil { copy.file = file }
        return copy
    }

    public var description: String {
        var position = file ?? "<input>"
        if let line { position += ":\(line)" } else if let byteOffset { position += ": byte \(byteOffset)" }
        return "\(position): \(message)"
    }
}

/// Odd but usable input: the importer skips it and reports it once per kind, with a count and the first position.
public struct Diagnostic: Sendable, CustomStringConvertible, Equatable {
    public var kind: String
    public var count: Int
    public var firstFile: String?
    public var firstLine: Int?
    public var example: String

    public init(kind: String, count: Int, firstFile: String? = nil, firstLine: Int?, example: String) {
        self.kind = kind
        self.count = count
        self.firstFile = firstFile
        self.firstLine = firstLine
        self.example = example
    }

    public var description: String {
        var position = firstFile ?? "<input>"
        if let firstLine { position += ":\(firstLine)" }
        guard count > 0 else { return "\(position): warning: \(kind)" }
        let times = count == 1 ? "1 line" : "\(count) lines"
        return "\(position): warning: \(kind) (\(times) skipped; first: \(example))"
    }
}
