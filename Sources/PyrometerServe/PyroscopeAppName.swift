/// Pyroscope's `name` query parameter: `app.name{key=value,key2=value2}` (`labelset.Parse` in grafana/pyroscope:
/// the text before `{` is the app name, trimmed; inside the braces `,` separates pairs and `=` splits each at its
/// first `=`; keys and values are trimmed; there is no quoting or escaping; `}` ends it).
public struct PyroscopeAppName: Sendable, Equatable {
    /// The app name as sent, `pyrotest.goapp` or `myapp.cpu`.
    public var name: String
    /// The pairs inside the braces, in order (duplicates are refused).
    public var labels: [(key: String, value: String)]

    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.labels.map(\.key) == b.labels.map(\.key) && a.labels.map(\.value) == b.labels.map(\.value)
    }

    /// The longest name accepted (Go's client sends ~100 bytes).
    public static let maxBytes = 16 << 10

    /// Parses `text`; errors name the byte offset in it.
    public init(parsing text: String) throws(IngestError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maxBytes else {
            throw .badRequest("name: longer than \(Self.maxBytes) bytes")
        }
        let open = bytes.firstIndex(of: UInt8(ascii: "{")) ?? bytes.count
        name = Self.trimmed(bytes[..<open])
        guard !name.isEmpty else { throw .badRequest("name: the app name is empty (service name is required)") }
        if let bad = name.utf8.firstIndex(where: { !Self.isAppNameByte($0) }) {
            let offset = name.utf8.distance(from: name.utf8.startIndex, to: bad)
            throw .badRequest("name: invalid character in the app name at byte \(offset) (allowed: A-Z a-z 0-9 _ . / -)")
        }
        labels = []
        guard open < bytes.count else { return }
        guard let close = bytes[open...].firstIndex(of: UInt8(ascii: "}")) else {
            throw .badRequest("name: `{` at byte \(open) is never closed")
        }
        guard bytes[(close + 1)...].allSatisfy({ $0 == UInt8(ascii: " ") }) else {
            throw .badRequest("name: text after `}` at byte \(close + 1)")
        }
        var seen: Set<String> = []
        var start = open + 1
        while start < close {
            let end = bytes[start ..< close].firstIndex(of: UInt8(ascii: ",")) ?? close
            let pair = bytes[start ..< end]
            if !pair.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else {
                    throw .badRequest("name: label at byte \(start) has no `=`")
                }
                let key = Self.trimmed(bytes[start ..< equals])
                let value = Self.trimmed(bytes[(equals + 1) ..< end])
                guard !key.isEmpty, key.utf8.allSatisfy(Self.isLabelNameByte) else {
                    throw .badRequest("name: invalid label name at byte \(start) (allowed: A-Z a-z 0-9 _ .)")
                }
                guard seen.insert(key).inserted else { throw .badRequest("name: label \(key) given twice") }
                labels.append((key, value))
            }
            start = end + 1
        }
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        var slice = bytes[...]
        while let first = slice.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") { slice.removeFirst() }
        while let last = slice.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") { slice.removeLast() }
        return String(decoding: slice, as: UTF8.self)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte)
    }

    static func isAppNameByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/")
            || byte == UInt8(ascii: "-")
    }

    static func isLabelNameByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }

    /// The app name split into service and profile type: a trailing `.cpu`, `.alloc_objects`, ... (the suffix old
    /// Pyroscope clients appended, one name per profile type) is the type and not part of the service, so that all
    /// of an application's profiles land under one service; any other name is the service whole (`pyrotest.app`).
    public var serviceAndType: (service: String, type: PyroscopeProfileType?) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex,
              let type = PyroscopeProfileType(rawValue: String(name[name.index(after: dot)...])) else {
            return (name, nil)
        }
        return (String(name[..<dot]), type)
    }
}

/// The profile types Pyroscope takes from an app name's last `.suffix` for bodies that do not name their own
/// sample types (folded, lines): grafana/pyroscope `ingest_adapter.go`.
public enum PyroscopeProfileType: String, Sendable, CaseIterable {
    case cpu, itimer, wall
    case allocObjects = "alloc_objects", allocSpace = "alloc_space"
    case inuseObjects = "inuse_objects", inuseSpace = "inuse_space"
    case mutexCount = "mutex_count", mutexDuration = "mutex_duration"
    case blockCount = "block_count", blockDuration = "block_duration"
    case goroutines
    case lockCount = "lock_count", lockDuration = "lock_duration"
    case allocInNewTLABObjects = "alloc_in_new_tlab_objects", allocInNewTLABBytes = "alloc_in_new_tlab_bytes"
    case allocOutsideTLABObjects = "alloc_outside_tlab_objects", allocOutsideTLABBytes = "alloc_outside_tlab_bytes"
    case exceptions

    /// Pyroscope's series name (`__name__`) for this type.
    public var seriesName: String {
        switch self {
        case .cpu, .itimer: "process_cpu"
        case .wall: "wall"
        case .allocObjects, .allocSpace, .inuseObjects, .inuseSpace: "memory"
        case .mutexCount, .mutexDuration, .lockCount, .lockDuration: "mutex"
        case .blockCount, .blockDuration: "block"
        case .goroutines: "goroutines"
        case .allocInNewTLABObjects, .allocInNewTLABBytes, .allocOutsideTLABObjects, .allocOutsideTLABBytes: "memory"
        case .exceptions: "exceptions"
        }
    }

    /// Whether a body's counts are samples taken `sampleRate` times a second (so each is worth 1e9/rate ns).
    var isSampledTime: Bool { self == .cpu || self == .itimer || self == .wall }

    /// The unit of the counts: from `units=` when given (Pyroscope's words), else what the type's name says.
    func unit(units: String?) -> String {
        switch units {
        case "bytes": return "bytes"
        case "lock_nanoseconds", "nanoseconds": return "nanoseconds"
        case "samples", "objects", "goroutines", "lock_samples", "count": return "count"
        default: break
        }
        let name = rawValue
        if name.hasSuffix("_space") || name.hasSuffix("_bytes") { return "bytes" }
        if name.hasSuffix("_duration") { return "nanoseconds" }
        return "count"
    }
}
