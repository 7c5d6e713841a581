#if canImport(Glibc)
import Glibc
#endif

/// Whether this test process runs under AddressSanitizer or ThreadSanitizer (scripts/test.sh's second and third
/// runs): their runtimes define `__asan_init` / `__tsan_init`.
public enum Sanitizer {
    public static let isActive: Bool = {
        let process = dlopen(nil, RTLD_NOW)
        defer { if let process { dlclose(process) } }
        return dlsym(process, "__asan_init") != nil || dlsym(process, "__tsan_init") != nil
    }()

    /// Why a scale test does not run here: it measures a 100k-stack profile, which under a sanitizer takes minutes
    /// and crowds out the tests running beside it; the plain run checks the same behaviour.
    public static let scaleTestReason = "a 100k-stack scale test: run by the plain suite, too slow under a sanitizer"
}
