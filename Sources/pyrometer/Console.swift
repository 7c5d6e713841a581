#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import PyrometerModel

/// A command-line error: printed as `pyrometer: error: MESSAGE`, exit status 2.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Standard streams and exit codes for every subcommand.
enum Console {
    /// Exit status for input and usage errors (1 is reserved for "a check failed", e.g. `--fail-on-hotspot`).
    static let inputErrorStatus: Int32 = 2

    static func warn(_ message: String) {
        writeStderr("pyrometer: \(message)\n")
    }

    static func writeStderr(_ text: String) {
        var text = text
        text.withUTF8 { buffer in writeAll(2, UnsafeRawBufferPointer(buffer)) }
    }

    static func writeStdout(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { writeAll(1, $0) }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) {
        guard var base = buffer.baseAddress else { return }
        var remaining = buffer.count
        while remaining > 0 {
            let n = write(fd, base, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                return  // a closed pipe (e.g. `| head`): stop quietly
            }
            base += n
            remaining -= n
        }
    }

    /// Runs a command body, turning input errors into a message and exit status 2.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as ProfileError {
            writeStderr("pyrometer: error: \(error)\n")
            throw ExitCode(inputErrorStatus)
        } catch let error as CLIError {
            writeStderr("pyrometer: error: \(error)\n")
            throw ExitCode(inputErrorStatus)
        }
    }
}

/// Output files are written to a temporary name in the same directory and renamed into place, so a failure never
/// leaves a half-written file.
enum OutputFile {
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        // A device or pipe (`-o /dev/null`, `-o /dev/stdout`) is written in place: renaming over it would replace
        // the device node with a regular file.
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw CLIError("\(path): cannot open for writing: \(errorText(errno))") }
            defer { close(fd) }
            guard writeAll(fd, bytes) else { throw CLIError("\(path): cannot write: \(errorText(errno))") }
            return
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var template = Array("\(directory.isEmpty ? "/" : directory)/.pyrometer-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw CLIError("\(path): cannot create output file: \(errorText(errno))")
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = writeAll(fd, bytes)
        let writeError = errno
        fchmod(fd, 0o644)
        if close(fd) != 0 { ok = false }
        guard ok, rename(temporary, path) == 0 else {
            let message = errorText(ok ? errno : writeError)
            unlink(temporary)
            throw CLIError("\(path): cannot write output file: \(message)")
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var base = buffer.baseAddress
            var remaining = buffer.count
            while remaining > 0, let current = base {
                let n = write(fd, current, remaining)
                if n < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                base = current + n
                remaining -= n
            }
            return true
        }
    }

    private static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
