// Allocation sites whose counts and sizes are known by construction (Tests/Fixtures/alloc/README.md).
// Built with -DSITE_B_PERCENT=130, site_b allocates 30% more blocks: the planted regression the gate must find.
#include <cstdlib>
#include <cstring>
#include <vector>

#ifndef SITE_B_PERCENT
#define SITE_B_PERCENT 100
#endif

// The work after each allocation keeps the call to the allocator from being a tail call, so the site is a frame.
__attribute__((noinline)) static char *site_a(std::size_t size) {  // 1000 x 64 bytes, freed at once
    char *block = static_cast<char *>(std::malloc(size));
    std::memset(block, 1, size);
    return block;
}

__attribute__((noinline)) static char *site_b(std::size_t size) {  // 500 x 256 bytes (650 in the variant)
    char *block = static_cast<char *>(std::malloc(size));
    std::memset(block, 2, size);
    return block;
}

// Inlined into site_c: DHAT shows it as a frame at site_c's address when valgrind reads inline information.
static inline __attribute__((always_inline)) char *fresh_buffer(std::size_t size) {
    char *block = new char[size];
    std::memset(block, 3, size);
    return block;
}

__attribute__((noinline)) static char *site_c(std::size_t size) {  // 200 x 1024 bytes, 50 never freed
    return fresh_buffer(size) + 0;
}

int main() {
    for (int i = 0; i < 1000; i++) std::free(site_a(64));
    std::vector<char *> kept;
    kept.reserve(1000);  // one allocation of 8000 bytes in main, through operator new
    for (int i = 0; i < 5 * SITE_B_PERCENT; i++) kept.push_back(site_b(256));
    for (char *block : kept) std::free(block);
    std::vector<char *> buffers(200);  // 1600 bytes in main
    for (auto &buffer : buffers) buffer = site_c(1024);
    for (int i = 50; i < 200; i++) delete[] buffers[i];
    return 0;
}
