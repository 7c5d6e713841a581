import PyrometerModel

/// The formats of a recording's tracepoint and probe events, from perf's tracing data (the TRACING_DATA feature of
/// a perf.data file, the HEADER_TRACING_DATA record of a pipe): each event's id (its attribute's `config`) and the
/// fields of its raw record, as the kernel's `events/SYSTEM/NAME/format` files describe them.
///
/// The layout is perf's `util/trace-event-read.c`: magic, version, byte order, long size, page size; the
/// `header_page` and `header_event` files; the ftrace formats; per system, its events' format files; then kallsyms,
/// printk formats and (version 0.6) saved command lines, which are not needed here.
struct TraceEventFormat: Equatable {
    struct Field: Equatable {
        var name: String
        var offset: Int
        var size: Int
        var isSigned: Bool
    }

    var system: String
    var name: String
    var id: UInt64
    var fields: [Field]

    func field(named name: String) -> Field? { fields.first { $0.name == name } }
}

extension TraceEventFormat.Field {
    /// The field's value in a raw record: an unsigned number of 1 to 8 bytes, little-endian; a negative signed one
    /// (no size, pid or state is) counts 0; nil when the field lies outside the record.
    func value(in raw: UnsafeRawBufferPointer) -> UInt64? {
        guard (1 ... 8).contains(size), offset <= raw.count - size else { return nil }
        var value: UInt64 = 0
        for byte in (0 ..< size).reversed() { value = value << 8 | UInt64(raw[offset + byte]) }
        if isSigned && size < 8 && value >> (size * 8 - 1) & 1 == 1 { return 0 }
        if isSigned && size == 8 && Int64(bitPattern: value) < 0 { return 0 }
        return value
    }
}

enum TracingData {
    static let magic: [UInt8] = [0x17, 0x08, 0x44] + Array("tracing".utf8)
    /// Bounds on counts read from the file, far above what a kernel has (a few thousand events).
    static let maximumCount: UInt32 = 1 << 16

    /// The event formats of the tracing data at `cursor`'s position, by event id. Only the event formats are read;
    /// the rest is skipped.
    static func read(_ cursor: inout ByteCursor) throws(ProfileError) -> [UInt64: TraceEventFormat] {
        let head = try cursor.slice(magic.count, "tracing data magic")
        guard head.elementsEqual(magic) else { throw cursor.error("tracing data without its magic") }
        _ = try cString(&cursor, "tracing data version")
        guard try cursor.u8() == 0 else {
            throw cursor.error("big-endian tracing data; record on a little-endian host or convert with perf script")
        }
        _ = try cursor.u8()  // long size
        _ = try cursor.u32()  // page size
        for header in ["header_page", "header_event"] {
            let name = try cString(&cursor, header)
            guard name == header else { throw cursor.error("tracing data: expected \(header), found \(name.prefix(40))") }
            try skipFile(&cursor, header)
        }
        let ftraceCount = try count(&cursor, "ftrace formats")
        for _ in 0 ..< ftraceCount { try skipFile(&cursor, "ftrace format") }
        var formats: [UInt64: TraceEventFormat] = [:]
        let systems = try count(&cursor, "event systems")
        for _ in 0 ..< systems {
            let system = try cString(&cursor, "event system")
            let events = try count(&cursor, "events of \(system)")
            for _ in 0 ..< events {
                let size = try fileSize(&cursor, "event format")
                let text = try cursor.slice(size, "event format")
                if let format = parseFormat(String(decoding: text, as: UTF8.self), system: system) {
                    formats[format.id] = format
                }
            }
        }
        return formats
    }

    /// One `format` file: `name:`, `ID:` and `field:` lines (`field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;`).
    /// nil when it has no id.
    static func parseFormat(_ text: String, system: String) -> TraceEventFormat? {
        var name = "", id: UInt64?
        var fields: [TraceEventFormat.Field] = []
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.hasPrefix("name:") {
                name = trimmed.dropFirst(5).trimmingSpaces()
            } else if trimmed.hasPrefix("ID:") {
                id = UInt64(trimmed.dropFirst(3).trimmingSpaces())
            } else if trimmed.hasPrefix("field:"), let field = parseField(trimmed) {
                fields.append(field)
            }
        }
        guard let id else { return nil }
        return TraceEventFormat(system: system, name: name, id: id, fields: fields)
    }

    /// `field:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;` → (`__probe_ip`, 8, 8, false).
    static func parseField(_ line: Substring) -> TraceEventFormat.Field? {
        var declaration: Substring?, offset: Int?, size: Int?, isSigned = false
        for part in line.split(separator: ";") {
            let item = part.drop { $0 == " " || $0 == "\t" }
            if item.hasPrefix("field:") {
                declaration = item.dropFirst(6)
            } else if item.hasPrefix("offset:") {
                offset = Int(item.dropFirst(7))
            } else if item.hasPrefix("size:") {
                size = Int(item.dropFirst(5))
            } else if item.hasPrefix("signed:") {
                isSigned = item.dropFirst(7) == "1"
            }
        }
        // The name is the declaration's last word, without an array's brackets (`char comm[16]`).
        guard let declaration, let offset, let size, offset >= 0, size >= 0,
              var word = declaration.split(separator: " ").last else { return nil }
        if let bracket = word.firstIndex(of: "[") { word = word[..<bracket] }
        guard !word.isEmpty else { return nil }
        return TraceEventFormat.Field(name: String(word), offset: offset, size: size, isSigned: isSigned)
    }

    private static func cString(_ cursor: inout ByteCursor, _ what: String) throws(ProfileError) -> String {
        var bytes: [UInt8] = []
        while true {
            let byte = try cursor.u8()
            if byte == 0 { break }
            guard bytes.count < 4096 else { throw cursor.error("\(what): no end of string in 4096 bytes") }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func count(_ cursor: inout ByteCursor, _ what: String) throws(ProfileError) -> UInt32 {
        let count = try cursor.u32()
        guard count <= maximumCount else { throw cursor.error("tracing data: \(count) \(what)") }
        return count
    }

    private static func fileSize(_ cursor: inout ByteCursor, _ what: String) throws(ProfileError) -> Int {
        let size = try cursor.u64()
        guard size <= UInt64(cursor.remaining) else {
            throw cursor.error("tracing data: \(what) of \(size) bytes, \(cursor.remaining) remain")
        }
        return Int(size)
    }

    private static func skipFile(_ cursor: inout ByteCursor, _ what: String) throws(ProfileError) {
        try cursor.skip(try fileSize(&cursor, what), what)
    }
}

private extension Substring {
    func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
