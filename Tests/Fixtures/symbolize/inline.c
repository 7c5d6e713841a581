/* Symbolizer fixture: static inline functions inlined at -O2 (nested two deep), a noinline function, recursion. */
#include <stdio.h>
#include <stdlib.h>

static inline unsigned mix(unsigned x) { return (x ^ (x >> 7)) * 2654435761u; }
static inline unsigned fold_in(unsigned acc, unsigned x) { return acc + mix(x ^ acc); }

__attribute__((noinline)) unsigned checksum(const unsigned *data, int n) {
    unsigned acc = 0;
    for (int i = 0; i < n; i++) acc = fold_in(acc, data[i]);
    return acc;
}

__attribute__((noinline)) unsigned depth(unsigned n) { return n == 0 ? 1 : depth(n - 1) * 3 + mix(n); }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    unsigned *data = malloc(sizeof *data * (size_t)n);
    for (int i = 0; i < n; i++) data[i] = (unsigned)i * 7u;
    printf("%u %u\n", checksum(data, n), depth(20));
    free(data);
    return 0;
}
