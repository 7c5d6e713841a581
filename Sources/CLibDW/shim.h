// libdw and libelf from elfutils (Debian libdw-dev, libelf-dev): ELF symbol tables, DWARF units, lines and inline
// chains for the symbolizer; and the demanglers (libiberty from Debian libiberty-dev for C++ and Rust, libstdc++'s
// __cxa_demangle, the Swift runtime's swift_demangle). Only Sources/PyrometerSymbolize/LibDW/ uses this module.
#include <elfutils/libdwfl.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <dwarf.h>
#include <gelf.h>
#include <libiberty/demangle.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

// libstdc++ (always linked into Swift programs on Linux).
char *__cxa_demangle(const char *mangled, char *buffer, size_t *length, int *status);

// The Swift runtime's demangler (libswiftCore).
char *swift_demangle(const char *mangledName, size_t mangledNameLength, char *outputBuffer,
                     size_t *outputBufferSize, uint32_t flags);

// Dwfl_Callbacks holds libdwfl's own function pointers: built here in C, once per process. The debuginfo path
// (libdwfl's syntax, e.g. "-:.debug:/usr/lib/debug:/my/debug") is where dwfl_standard_find_debuginfo looks for
// separate debug files by build-id and .gnu_debuglink; it is set once, before the first session (the Swift side
// serializes that first call).
static inline Dwfl_Callbacks *pyrometer_offline_callbacks(void) {
    static char *debuginfo_path;
    static Dwfl_Callbacks callbacks;
    if (!callbacks.find_elf) {
        callbacks.find_elf = dwfl_build_id_find_elf;
        callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
        callbacks.section_address = dwfl_offline_section_address;
        callbacks.debuginfo_path = &debuginfo_path;
    }
    return &callbacks;
}

static inline void pyrometer_set_debuginfo_path(char *path) { *pyrometer_offline_callbacks()->debuginfo_path = path; }

static inline Dwfl *pyrometer_dwfl_begin_offline(void) { return dwfl_begin(pyrometer_offline_callbacks()); }
