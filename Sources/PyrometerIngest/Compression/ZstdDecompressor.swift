import CZstd
import PyrometerModel

/// Streams the decompressed bytes of a zstd input (one or more frames: heaptrack's `heaptrack.*.zst`, or any format
/// compressed with `zstd`), refusing more than a limit.
final class ZstdDecompressor: Decompressor {
    private let stream: OpaquePointer
    private let source: InputFile
    private let limit: Int
    private var compressed: UnsafeMutableRawBufferPointer
    private var input = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    /// What the last `ZSTD_decompressStream` returned: 0 when a frame is complete.
    private var frameRemainder = 0
    private var finished = false
    private var produced = 0

    init(source: InputFile, limit: Int) throws(ProfileError) {
        guard let stream = ZSTD_createDStream() else {
            throw ProfileError(.unreadable, "cannot start zstd decompression", file: source.name)
        }
        self.stream = stream
        self.source = source
        self.limit = limit
        compressed = UnsafeMutableRawBufferPointer.allocate(byteCount: ZSTD_DStreamInSize(), alignment: 16)
    }

    deinit {
        ZSTD_freeDStream(stream)
        compressed.deallocate()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ProfileError) -> Int {
        guard !finished, let target = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var output = ZSTD_outBuffer(dst: target, size: buffer.count, pos: 0)
        while output.pos == 0 {
            if input.pos == input.size {
                let n = try source.read(into: compressed)
                guard n > 0 else {
                    // The end of the input: fine between frames, a truncation inside one.
                    guard frameRemainder == 0 else {
                        throw ProfileError(.malformed, "zstd stream is truncated", file: source.name,
                                           byteOffset: source.offset)
                    }
                    finished = true
                    return 0
                }
                input = ZSTD_inBuffer(src: compressed.baseAddress, size: n, pos: 0)
            }
            let result = ZSTD_decompressStream(stream, &output, &input)
            if ZSTD_isError(result) != 0 {
                throw ProfileError(.malformed, "corrupt zstd data: \(String(cString: ZSTD_getErrorName(result)))",
                                   file: source.name, byteOffset: source.offset)
            }
            frameRemainder = result
        }
        produced += output.pos
        if produced > limit { throw decompressedTooLarge("zstd", limit: limit, file: source.name) }
        return output.pos
    }
}
