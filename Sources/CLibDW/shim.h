// libdw and libelf from elfutils (Debian libdw-dev, libelf-dev): ELF symbol tables, DWARF units, lines and inline
// chains for the symbolizer (demangling lives in CDemangle). Only Sources/PyrometerSymbolize/LibDW/ uses this module.
#include <elfutils/libdwfl.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <dwarf.h>
#include <gelf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

// Dwfl_Callbacks holds libdwfl's own function pointers, so it is built here in C. Separate debug files are found
// by Pyrometer itself (FileLocator: the profile's build-id, --debug-dir, .gnu_debuglink) and reported as the
// module, so libdwfl is told never to search on its own: its search path is process-global, and a search could
// pick a debug file the options did not name.
static inline int pyrometer_no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
                                         const char *file_name, const char *debuglink_file,
                                         GElf_Word debuglink_crc, char **debuginfo_file_name) {
    (void)mod; (void)userdata; (void)modname; (void)base; (void)file_name; (void)debuglink_file;
    (void)debuglink_crc; (void)debuginfo_file_name;
    return -1;
}

static inline Dwfl *pyrometer_dwfl_begin_offline(void) {
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_build_id_find_elf,
        .find_debuginfo = pyrometer_no_debuginfo,
        .section_address = dwfl_offline_section_address,
    };
    return dwfl_begin(&callbacks);
}
