/// A `multipart/form-data` body (RFC 7578), as pyroscope-go sends `/ingest`: parts separated by `--BOUNDARY` lines,
/// each with headers (`Content-Disposition: form-data; name="profile"; filename="profile.pprof"`), a blank line and
/// its bytes. Parts are ranges of the body, not copies. Lines may end in CRLF or LF, as Go's reader allows.
public struct MultipartForm: Sendable {
    public struct Part: Sendable, Equatable {
        /// The form field (`profile`, `prev_profile`, `sample_type_config`).
        public var name: String
        public var filename: String?
        public var contentType: String?
        /// Where the part's bytes are in the body.
        public var range: Range<Int>
    }

    public var parts: [Part]

    /// Most parts accepted: pyroscope-go sends two, Pyroscope reads three names.
    public static let maxParts = 16
    /// Most bytes of one part's headers.
    public static let maxHeaderBytes = 8 << 10

    /// The boundary of a `multipart/form-data; boundary=...` content type, nil for another media type.
    public static func boundary(contentType: String) throws(IngestError) -> String? {
        let fields = contentType.split(separator: ";", omittingEmptySubsequences: false)
        guard let type = fields.first, type.trimmingSpaces.lowercased() == "multipart/form-data" else { return nil }
        for field in fields.dropFirst() {
            let pair = field.trimmingSpaces
            guard pair.lowercased().hasPrefix("boundary=") else { continue }
            var value = pair.dropFirst("boundary=".count)
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            // RFC 2046: 1 to 70 characters.
            guard (1 ... 70).contains(value.utf8.count) else {
                throw .badRequest("multipart boundary must be 1 to 70 bytes long")
            }
            return String(value)
        }
        throw .badRequest("multipart/form-data without a boundary parameter")
    }

    /// Splits `body` at `boundary`; errors name the byte offset.
    public init(body: [UInt8], boundary: String) throws(IngestError) {
        let delimiter = Array(("--" + boundary).utf8)
        parts = []
        // The first delimiter may open the body or follow a preamble line.
        guard var position = Self.find(delimiter, in: body, from: 0, atLineStart: true) else {
            throw .badRequest("multipart body: no `--\(boundary)` delimiter")
        }
        while true {
            position += delimiter.count
            if body[position...].starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) { return }  // the close delimiter
            // Transport padding, then the line end.
            while position < body.count, body[position] == UInt8(ascii: " ") || body[position] == UInt8(ascii: "\t") {
                position += 1
            }
            guard let afterLine = Self.lineEnd(body, position), afterLine.start == position else {
                throw .badRequest("multipart body: byte \(position): expected a line end after the delimiter")
            }
            position = afterLine.next
            guard parts.count < Self.maxParts else {
                throw .badRequest("multipart body: more than \(Self.maxParts) parts")
            }
            var part = Part(name: "", filename: nil, contentType: nil, range: 0 ..< 0)
            var hasDisposition = false
            let headerStart = position
            while true {
                guard let end = Self.lineEnd(body, position) else {
                    throw .badRequest("multipart body: byte \(position): part headers never end")
                }
                guard end.next - headerStart <= Self.maxHeaderBytes else {
                    throw .badRequest("multipart body: byte \(headerStart): part headers longer than \(Self.maxHeaderBytes) bytes")
                }
                let line = String(decoding: body[position ..< end.start], as: UTF8.self)
                let lineStart = position
                position = end.next
                if line.isEmpty { break }
                guard let colon = line.firstIndex(of: ":") else {
                    throw .badRequest("multipart body: byte \(lineStart): header line without `:`")
                }
                let value = line[line.index(after: colon)...].trimmingSpaces
                switch line[..<colon].lowercased() {
                case "content-disposition":
                    hasDisposition = true
                    let params = Self.parameters(value)
                    guard params.first?.key == "form-data", let name = params.first(where: { $0.key == "name" })?.value else {
                        throw .badRequest("multipart body: byte \(lineStart): expected Content-Disposition: form-data; name=\"...\"")
                    }
                    part.name = name
                    part.filename = params.first(where: { $0.key == "filename" })?.value
                case "content-type": part.contentType = String(value)
                default: break
                }
            }
            guard hasDisposition else {
                throw .badRequest("multipart body: byte \(headerStart): part without Content-Disposition")
            }
            // The part ends at the line end before the next delimiter.
            guard let next = Self.find(delimiter, in: body, from: position, atLineStart: true) else {
                throw .badRequest("multipart body: byte \(position): part `\(part.name)` never ends (truncated body?)")
            }
            var end = next - 1  // the LF
            if end > position, body[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            part.range = position ..< max(position, end)
            parts.append(part)
            position = next
        }
    }

    /// The first part named `name`.
    public func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The offset of `needle` at or after `start` that begins the body or a line.
    static func find(_ needle: [UInt8], in body: [UInt8], from start: Int, atLineStart: Bool) -> Int? {
        guard let first = needle.first, body.count >= needle.count else { return nil }
        var i = start
        let last = body.count - needle.count
        while i <= last {
            if body[i] == first, (i == 0 || body[i - 1] == UInt8(ascii: "\n")),
               body[i ..< i + needle.count].elementsEqual(needle) {
                return i
            }
            i += 1
        }
        return nil
    }

    /// The line end at or after `position`: where it starts (the CR of CRLF, or the LF) and the byte after it.
    static func lineEnd(_ body: [UInt8], _ position: Int) -> (start: Int, next: Int)? {
        guard position <= body.count, let lf = body[position...].firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        return (lf > position && body[lf - 1] == UInt8(ascii: "\r") ? lf - 1 : lf, lf + 1)
    }

    /// `form-data; name="profile"; filename="p.pprof"` → [(form-data, ""), (name, profile), (filename, p.pprof)].
    static func parameters(_ value: Substring) -> [(key: String, value: String)] {
        value.split(separator: ";").map { field in
            let pair = field.trimmingSpaces
            guard let equals = pair.firstIndex(of: "=") else { return (pair.lowercased(), "") }
            var v = pair[pair.index(after: equals)...].trimmingSpaces
            if v.count >= 2, v.first == "\"", v.last == "\"" { v = v.dropFirst().dropLast() }
            return (pair[..<equals].trimmingSpaces.lowercased(), String(v))
        }
    }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        let s = self[...]
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = s.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return Substring() }
        return Substring(s[first ... last])
    }
}
