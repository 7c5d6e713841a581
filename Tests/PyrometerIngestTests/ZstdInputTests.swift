import CZstd
import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// zstd-compressed input of any format (heaptrack writes `.zst`): decompressed as it is read, frames concatenated,
/// a truncated or corrupt stream or a bomb refused with the file named.
@Suite struct ZstdInputTests {
    static func compress(_ text: String, level: Int32 = 3) -> [UInt8] {
        let source = Array(text.utf8)
        var output = [UInt8](repeating: 0, count: ZSTD_compressBound(source.count))
        let size = output.withUnsafeMutableBytes { out in
            source.withUnsafeBytes { ZSTD_compress(out.baseAddress, out.count, $0.baseAddress, $0.count, level) }
        }
        precondition(ZSTD_isError(size) == 0)
        return Array(output[..<size])
    }

    @Test func foldedTextInTwoFrames() throws {
        let bytes = Self.compress("main;a 3\n") + Self.compress("main;b 4\n")
        let profile = try Importers.load(InputFile(name: "two.zst", bytes: bytes)).profile
        #expect(profile.sourceFormat == FoldedImporter.formatName)
        #expect(profile.total(sampleType: 0) == 7)
    }

    @Test func truncatedCorruptAndOversizedStreamsAreErrors() {
        let whole = Self.compress(String(repeating: "main;a 1\n", count: 10_000))
        var options = ImportOptions()
        let cases: [([UInt8], String)] = [
            (Array(whole.prefix(whole.count / 2)), "zstd stream is truncated"),
            (whole.prefix(4) + [UInt8](repeating: 0xAB, count: 64), "corrupt zstd data"),
        ]
        for (bytes, message) in cases {
            #expect(throws: ProfileError.self) { try Importers.load(InputFile(name: "bad.zst", bytes: bytes)) }
            do { _ = try Importers.load(InputFile(name: "bad.zst", bytes: bytes)) } catch {
                #expect(error.description.contains(message) && error.description.contains("bad.zst"), "\(error)")
            }
        }
        options.maxInflatedBytes = 1000
        do {
            _ = try Importers.load(InputFile(name: "bomb.zst", bytes: whole), options: options)
            Issue.record("a stream over the limit was read")
        } catch {
            #expect(error.code == .tooLarge && error.description.contains("zstd input decompresses to more than 1000"))
        }
    }
}
