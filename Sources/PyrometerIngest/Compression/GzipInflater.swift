import CZlib
import PyrometerModel

/// Streams the decompressed bytes of a gzip input (one or more concatenated members), refusing to inflate more than
/// a limit so that a gzip bomb is an error rather than unbounded memory or disk use.
final class GzipInflater: Decompressor {
    private var stream = z_stream()
    private let source: InputFile
    private let limit: Int
    private var compressed: UnsafeMutableRawBufferPointer
    private var finished = false
    private(set) var inflated = 0

    init(source: InputFile, limit: Int) throws(ProfileError) {
        self.source = source
        self.limit = limit
        compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        // 15 + 16: a gzip wrapper (not raw deflate or zlib).
        let status = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            compressed.deallocate()
            throw ProfileError(.unreadable, "cannot start gzip decompression (zlib error \(status))", file: source.name)
        }
    }

    deinit {
        inflateEnd(&stream)
        compressed.deallocate()
    }

    /// Fills `buffer` with decompressed bytes; returns how many, 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ProfileError) -> Int {
        guard !finished, let target = buffer.baseAddress, buffer.count > 0 else { return 0 }
        stream.next_out = target.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = uInt(min(buffer.count, Int(UInt32.max)))
        let capacity = Int(stream.avail_out)
        while stream.avail_out > 0 {
            // Inside a member: running out of input means the file was cut short.
            if stream.avail_in == 0, try !refill() {
                throw ProfileError(.malformed, "gzip stream is truncated", file: source.name, byteOffset: source.offset)
            }
            let status = inflate(&stream, Z_NO_FLUSH)
            if status == Z_STREAM_END {
                // The member is complete; another may follow (gzip files can be concatenated).
                if stream.avail_in == 0, try !refill() {
                    finished = true
                    break
                }
                let pending = (stream.next_in, stream.avail_in)
                inflateReset(&stream)
                (stream.next_in, stream.avail_in) = pending
                continue
            }
            guard status == Z_OK else {
                let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                throw ProfileError(.malformed, "corrupt gzip data: \(reason)", file: source.name,
                                   byteOffset: source.offset)
            }
        }
        let produced = capacity - Int(stream.avail_out)
        inflated += produced
        if inflated > limit { throw decompressedTooLarge("gzip", limit: limit, file: source.name) }
        return produced
    }

    /// Reads more compressed input; false at its end.
    private func refill() throws(ProfileError) -> Bool {
        let n = try source.read(into: compressed)
        guard n > 0 else { return false }
        stream.next_in = compressed.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = uInt(n)
        return true
    }
}
