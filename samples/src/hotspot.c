/* A program whose profile is known by construction, for Pyrometer's samples and hotspot tests.
 *
 * main() runs `rounds` rounds; each round spends about
 *   - 50% of its work in burn_cpu()            -> flagged (self share >= 20%)
 *   - 40% in parse_stage(), split evenly over four helpers (10% each)
 *                                               -> parse_stage is a hot path (total >= 20%, no callee >= 20%)
 *   - 10% in checksum()                         -> neither
 * Work is measured in loop iterations, so shares hold on any machine. Compile with -fno-optimize-sibling-calls:
 * otherwise the call to validate_tree() becomes a jump and its samples lose parse_stage from their stack. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static volatile uint64_t sink;

#define SPIN(n)                                                   \
    do {                                                          \
        uint64_t x = 88172645463325252ull;                        \
        for (long i = 0; i < (n); i++) {                          \
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;              \
        }                                                         \
        sink += x;                                                \
    } while (0)

#define UNIT 200000L

__attribute__((noinline)) void burn_cpu(void) { SPIN(50 * UNIT); }
__attribute__((noinline)) void tokenize(void) { SPIN(10 * UNIT); }
__attribute__((noinline)) void lookup_symbols(void) { SPIN(10 * UNIT); }
__attribute__((noinline)) void build_tree(void) { SPIN(10 * UNIT); }
__attribute__((noinline)) void validate_tree(void) { SPIN(10 * UNIT); }
__attribute__((noinline)) void parse_stage(void) {
    tokenize();
    lookup_symbols();
    build_tree();
    validate_tree();
}
__attribute__((noinline)) void checksum(void) { SPIN(10 * UNIT); }

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 40;
    for (long r = 0; r < rounds; r++) {
        burn_cpu();
        parse_stage();
        checksum();
    }
    printf("%llu\n", (unsigned long long)sink);
    return 0;
}
