import PyrometerIngest
import PyrometerModel

/// A request body sent with `Content-Encoding: gzip` (pyroscope-rs gzips its whole PushRequest), inflated into
/// memory with the importers' inflater, never past a limit: a gzip bomb is a 413, not unbounded memory.
enum BodyInflater {
    static func gunzip(_ body: [UInt8], limit: Int) throws(IngestError) -> [UInt8] {
        do {
            let inflated = try InputFile(decompressing: InputFile(name: "gzip body", bytes: body), .gzip, limit: limit)
            return try inflated.readAll(limit: limit, what: "the gzip body inflated")
        } catch {
            throw IngestError(error)
        }
    }
}
