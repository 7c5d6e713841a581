import PyrometerModel

/// A compressed input's decompressed bytes, streamed, never more than a limit (a decompression bomb is an error,
/// not unbounded memory or disk use). Any format may come compressed; `Importers.load` tells by the magic.
protocol Decompressor: AnyObject {
    /// Fills `buffer`; returns how many bytes, 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ProfileError) -> Int
}

package enum Compression {
    case gzip, zstd

    /// The compression `prefix` (the input's first bytes) starts with, if any.
    init?(magic prefix: [UInt8]) {
        if prefix.starts(with: [0x1F, 0x8B]) { self = .gzip; return }
        if prefix.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) { self = .zstd; return }
        return nil
    }

    static let magicLength = 4
}

/// The message of a decompression bomb, for both formats.
func decompressedTooLarge(_ format: String, limit: Int, file: String) -> ProfileError {
    ProfileError(.tooLarge, """
        \(format) input decompresses to more than \(limit) bytes (a limit against decompression bombs; raise it with \
        --max-inflated-size)
        """, file: file)
}
