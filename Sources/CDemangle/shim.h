// The demanglers: libiberty (Debian libiberty-dev) for Rust v0 and legacy Rust, libstdc++'s __cxa_demangle for
// C++ (Itanium ABI), and the Swift runtime's swift_demangle. Only Sources/PyrometerDemangle uses this module.
#include <libiberty/demangle.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

// libstdc++ (always linked into Swift programs on Linux).
char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);

// The Swift runtime's demangler (libswiftCore).
char *swift_demangle(const char *mangledName, size_t mangledNameLength, char *outputBuffer,
                     size_t *outputBufferSize, uint32_t flags);
