/* workload: a CPU-bound program with four functions of known relative cost, for Pyrometer's diff tests.
 *
 * Each round calls parse_records, hash_block, compress_block and sort_keys (about 40/25/20/15% of the time on
 * an idle machine). `workload SECONDS [FUNCTION PERCENT]` runs for about SECONDS and makes FUNCTION do PERCENT% more work
 * (e.g. `workload 3 hash_block 30`: a planted regression). Built with frame pointers so `perf record -g` sees
 * every caller. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile uint64_t sink;

/* The four functions stress different parts of the machine (memory bandwidth, ALU, cache, branch prediction), so
 * that a neighbour on a shared machine slows them unequally: their shares then vary from run to run as they do
 * in production profiles, which is what the diff's noise model is calibrated on. */
#define BIG (8u << 20)   /* 64 MiB of uint64_t: streams from memory */
#define TABLE (1u << 19) /* 4 MiB: lives in the last-level cache, or not, depending on the neighbours */
static uint64_t *big, *table;

__attribute__((noinline)) static uint64_t parse_records(uint64_t iterations) {
    static uint64_t cursor;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < iterations; i++) {
        sum += big[cursor];
        cursor = (cursor + 8) & (BIG - 1); /* one cache line per step */
    }
    return sum;
}

__attribute__((noinline)) static uint64_t hash_block(uint64_t iterations) {
    uint64_t x = iterations * 2654435761u + 1;
    for (uint64_t i = 0; i < iterations; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
    }
    return x;
}

__attribute__((noinline)) static uint64_t compress_block(uint64_t iterations) {
    uint64_t x = 88172645463325252u, sum = 0;
    for (uint64_t i = 0; i < iterations; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum += table[x & (TABLE - 1)];
    }
    return sum;
}

__attribute__((noinline)) static uint64_t sort_keys(uint64_t iterations) {
    uint64_t x = 0x9E3779B97F4A7C15u, sum = 0;
    for (uint64_t i = 0; i < iterations; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        if (x & 1) sum += x; else sum ^= x >> 3; /* unpredictable */
        if (x & 2) sum -= i;
    }
    return sum;
}

__attribute__((noinline)) static void round_trip(const uint64_t work[4]) {
    sink += parse_records(work[0]);
    sink += hash_block(work[1]);
    sink += compress_block(work[2]);
    sink += sort_keys(work[3]);
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 3;
    uint64_t work[4] = {340000, 780000, 130000, 375000};
    const char *names[4] = {"parse_records", "hash_block", "compress_block", "sort_keys"};
    if (argc > 3) {
        int found = 0;
        for (int i = 0; i < 4; i++) {
            if (strcmp(argv[2], names[i]) == 0) {
                work[i] = work[i] * (100 + atoi(argv[3])) / 100;
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "workload: unknown function %s\n", argv[2]);
            return 2;
        }
    }
    big = calloc(BIG, sizeof *big);
    table = calloc(TABLE, sizeof *table);
    if (!big || !table) return 1;
    for (uint64_t i = 0; i < BIG; i += 512) big[i] = i;
    for (uint64_t i = 0; i < TABLE; i++) table[i] = i * 7;
    double start = now();
    uint64_t rounds = 0;
    while (now() - start < seconds) {
        round_trip(work);
        rounds++;
    }
    printf("%llu rounds\n", (unsigned long long)rounds);
    return 0;
}
