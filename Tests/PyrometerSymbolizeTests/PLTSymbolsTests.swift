import CLibDW
import Foundation
@testable import PyrometerSymbolize
import PyrometerTestSupport
import Testing

/// PLT stub names against objdump's, which finds each stub's GOT slot from its jump as we do.
@Suite struct PLTSymbolsTests {
    /// `address → name` of the stubs objdump labels in `.plt`, `.plt.sec` and `.plt.got` (the header excluded).
    static func objdumpStubs(_ path: String) throws -> [UInt64: String] {
        let dumped = try run(["objdump", "-d", "-j", ".plt", "-j", ".plt.sec", "-j", ".plt.got", path])
        try #require(dumped.status == 0, "\(dumped.err)")
        var result: [UInt64: String] = [:]
        for line in dumped.out.split(separator: "\n") where line.hasSuffix("@plt>:") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, let address = UInt64(parts[0], radix: 16) else { continue }
            result[address] = String(parts[1].dropFirst().dropLast(2))
        }
        return result
    }

    static func ourStubs(_ path: String) throws -> [UInt64: String] {
        elf_version(UInt32(EV_CURRENT))
        let descriptor = open(path, O_RDONLY)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        let elf = try #require(elf_begin(descriptor, ELF_C_READ_MMAP, nil))
        defer { elf_end(elf) }
        return Dictionary(PLTSymbols.entries(of: elf, bias: 0).map { ($0.start, $0.name) }, uniquingKeysWith: { a, _ in a })
    }

    @Test(ExternalTool.binutils.needed)
    func libcStubsAreNamedByTheSlotTheyJumpThrough() throws {
        let libc = "/lib/x86_64-linux-gnu/libc.so.6"
        try #require(FileManager.default.fileExists(atPath: libc))
        let expected = try Self.objdumpStubs(libc)
        // glibc's IRELATIVE stubs are interleaved with named ones, so relocation order would name them wrongly.
        #expect(expected.values.contains { $0.hasPrefix("*ABS*+0x") })
        #expect(expected.values.contains { !$0.hasPrefix("*ABS*") })
        #expect(try Self.ourStubs(libc) == expected)
    }

    @Test(ExternalTool.binutils.needed, ExternalTool.gcc.needed,
          arguments: [["-O2"], ["-O2", "-fcf-protection=full", "-Wl,-z,ibtplt"], ["-O2", "-fno-plt"]])
    func programStubsMatchObjdump(_ flags: [String]) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = directory.appendingPathComponent("calls.c").path
        try """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        int main(int argc, char **argv) {
            char *copy = strdup(argv[0]);
            printf("%zu %s\\n", strlen(copy), getenv("HOME") ? "home" : "none");
            free(copy);
            return argc > 5 ? abs(argc) : 0;
        }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        let binary = directory.appendingPathComponent("calls").path
        let compiled = try run(["gcc"] + flags + ["-o", binary, source])
        try #require(compiled.status == 0, "\(compiled.err)")
        let expected = try Self.objdumpStubs(binary)
        if !flags.contains("-fno-plt") { #expect(expected.values.contains("printf@plt")) }
        #expect(try Self.ourStubs(binary) == expected)
    }
}
