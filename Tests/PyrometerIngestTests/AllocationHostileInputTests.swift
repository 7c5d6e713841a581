import CZstd
import Foundation
@testable import PyrometerIngest
import PyrometerModel
import Testing

/// Inputs a review of the allocation importers found would trap or blow up before they were hardened.
@Suite struct AllocationHostileInputTests {
    static func lines(_ lines: [String]) -> InputFile {
        InputFile(name: "hostile", bytes: Array((lines.joined(separator: "\n") + "\n").utf8))
    }

    @Test func heaptrackSizesThatWouldOverflowSaturate() throws {
        let profile = try HeaptrackImporter().parse(Self.lines(["v 10400 3", "a 3fffffffffffffff 0", "+ 0", "+ 0", "+ 0"]),
                                                    options: ImportOptions()).profile
        #expect(profile.total(sampleType: 0) == Int64.max)  // alloc_space, clamped
        #expect(profile.total(sampleType: 1) == 3)
    }

    @Test func heaptrackTraceChainsAreCutAtTheMaximumDepth() throws {
        var text = ["v 10400 3", "s 4 main", "s 8 /bin/app", "i 1000 2 1"]
        for trace in 1 ... 3000 { text.append("t 1 \(String(trace - 1, radix: 16))") }
        text += ["a 10 \(String(3000, radix: 16))", "+ 0"]
        let profile = try HeaptrackImporter().parse(Self.lines(text), options: ImportOptions()).profile
        let deepest = profile.samples.map { profile.stacks[$0.stack].count }.max()
        #expect(deepest == HeaptrackProfile.maximumDepth)
    }

    @Test(arguments: [
        "heap profile: 1: 1 [0: 0] @ heapprofile\n-1: -9223372036854775808 [0: 0] @ 0x1\n",
        "heap profile: 1: 1 [0: 0] @ heapprofile\n1: -5 [0: 0] @ 0x1\n",
    ])
    func negativeHeapCountsAreRefused(_ text: String) {
        #expect(throws: ProfileError.self) { try Importers.load(InputFile(name: "h", bytes: Array(text.utf8))) }
    }

    @Test func hugeSampledHeapValuesClamp() throws {
        let text = "heap profile: 1: 1 [1: 1] @ heap_v2/2\n1: 9223372036854775807 [1: 9223372036854775807] @ 0x1\n"
            + "1: 5 [1: 5] @ 0x2\n"
        let profile = try Importers.load(InputFile(name: "h", bytes: Array(text.utf8))).profile
        #expect(profile.total(sampleType: 1) == Int64.max)
        #expect(LegacyHeapParser.scaled(1, 1, rate: Int64.max) == (1, 1))  // nothing could be sampled: as recorded
    }

    @Test func compressedMoreThanTwiceIsRefused() {
        func compress(_ bytes: [UInt8]) -> [UInt8] {
            var output = [UInt8](repeating: 0, count: ZSTD_compressBound(bytes.count))
            let size = output.withUnsafeMutableBytes { out in
                bytes.withUnsafeBytes { ZSTD_compress(out.baseAddress, out.count, $0.baseAddress, $0.count, 1) }
            }
            return Array(output[..<size])
        }
        let folded = Array("main;a 1\n".utf8)
        #expect(throws: Never.self) { try Importers.load(InputFile(name: "twice", bytes: compress(compress(folded)))) }
        do {
            _ = try Importers.load(InputFile(name: "thrice", bytes: compress(compress(compress(folded)))))
            Issue.record("read a thrice-compressed input")
        } catch {
            #expect(error.description.contains("compressed more than twice"))
        }
    }
}
