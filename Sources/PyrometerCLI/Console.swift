#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import PyrometerAnalyze
import PyrometerModel

/// A command-line error: printed as `pyrometer: error: MESSAGE`, exit status 2.
public struct CLIError: UserFacingError {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Standard streams and exit codes for every subcommand.
public enum Console {
    /// Exit status for input and usage errors (1 is reserved for "a check failed", e.g. `--fail-on-hotspot`).
    public static let inputErrorStatus: Int32 = 2

    public static func warn(_ message: String) {
        writeStderr("pyrometer: \(message)\n")
    }

    public static func writeStderr(_ text: String) {
        var text = text
        text.withUTF8 { buffer in _ = writeAll(2, UnsafeRawBufferPointer(buffer)) }
    }

    /// Writes the result to standard output; a failed write (a full disk, an I/O error) is an error, so that a
    /// pipeline never takes a truncated result for a complete one.
    public static func writeStdout(_ bytes: [UInt8]) throws {
        guard bytes.withUnsafeBytes({ writeAll(1, $0) }) else {
            throw CLIError("standard output: write failed: \(String(cString: strerror(errno)))")
        }
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Bool {
        guard var base = buffer.baseAddress else { return true }
        var remaining = buffer.count
        while remaining > 0 {
            let n = write(fd, base, remaining)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            base += n
            remaining -= n
        }
        return true
    }

    /// Objects that live until the process exits. A loaded profile is hundreds of thousands of small allocations;
    /// freeing them one by one just before exit took ~6% of a `hotspots` run (what clang's `-disable-free` avoids).
    /// Used from the main thread only.
    nonisolated(unsafe) private static var keptUntilExit: [Any] = []

    public static func keepUntilExit(_ object: Any) {
        keptUntilExit.append(object)
    }

    /// Frees what `keepUntilExit` kept: for a process that reads profile after profile (the agent's rounds), where
    /// keeping them would grow without bound.
    public static func releaseKept() {
        keptUntilExit.removeAll()
    }

    /// Runs a command body, turning input errors into a message and exit status 2.
    public static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as any UserFacingError {
            writeStderr("pyrometer: error: \(error)\n")
            throw ExitCode(inputErrorStatus)
        }
    }
}

/// Output files are written to a temporary name in the same directory and renamed into place, so a failure never
/// leaves a half-written file.
public enum OutputFile {
    public static func writeAtomically(_ bytes: [UInt8], to requestedPath: String) throws {
        // Through a symbolic link, the file it points to is replaced, not the link.
        var path = requestedPath
        var linkInfo = stat()
        for _ in 0 ..< 16 where lstat(path, &linkInfo) == 0 && (linkInfo.st_mode & S_IFMT) == S_IFLNK {
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(path, &target, Int(PATH_MAX))
            guard n > 0 else { break }
            let destination = String(decoding: target[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if destination.hasPrefix("/") || !path.contains("/") {
                path = destination
            } else {
                path = String(path[...path.lastIndex(of: "/")!]) + destination
            }
        }
        // A device or pipe (`-o /dev/null`, `-o /dev/stdout`) is written in place: renaming over it would replace
        // the device node with a regular file.
        var info = stat()
        let exists = stat(path, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
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
        // mkstemp makes the file 0600: give it the mode a new file would get (or the replaced file had).
        let mask = umask(0)
        umask(mask)
        fchmod(fd, exists ? info.st_mode & 0o7777 : 0o666 & ~mask)
        if close(fd) != 0 { ok = false }
        guard ok, rename(temporary, path) == 0 else {
            let message = errorText(ok ? errno : writeError)
            unlink(temporary)
            throw CLIError("\(requestedPath): cannot write output file: \(message)")
        }
    }

    /// Appends to a file (created if missing): for summaries that several steps add to, such as
    /// `$GITHUB_STEP_SUMMARY`. One `write` call per chunk under O_APPEND, so concurrent writers do not interleave.
    public static func append(_ bytes: [UInt8], to path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw CLIError("\(path): cannot open for appending: \(errorText(errno))") }
        defer { close(fd) }
        guard writeAll(fd, bytes) else { throw CLIError("\(path): cannot write: \(errorText(errno))") }
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
