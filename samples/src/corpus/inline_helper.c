/* A program whose profile is known by construction, for Pyrometer's real-recording corpus
 * (Tests/Fixtures/real/{c-gcc-inline-fp,c-clang-inline-dwarf,c-stripped-buildid}, scripts/make-real-corpus.sh).
 *
 * Each round spends about
 *   45%  in encode_frames()    } both do their work through mix64(), a `static inline` helper forced inline, so
 *   34%  in checksum_blocks()  } most of their samples land on the helper's (inlined) code: design.md section 8
 *    7%  in fill_input()
 *    7%  in pack_output()
 *    7%  in update_stats()     (a leaf: gcc 12 gives it no frame pointer, so FP stacks lose its caller)
 * Work is counted in loop iterations. The two hot functions call frame_done() once per frame so that they are not
 * leaves (gcc 12 omits the frame pointer of leaf functions even with -fno-omit-frame-pointer).
 * Each function's thread CPU time (CLOCK_THREAD_CPUTIME_ID) is printed to stderr as `phase NAME SECONDS`.
 * Usage: inline_helper [CPU_SECONDS]   (default 0.5: rounds of ~100 ms run until the timed parts used that much CPU) */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BLOCK 1024
static uint64_t data[BLOCK];
static volatile uint64_t sink;

/* The helper: a dependency chain of two multiplies and xor-shifts (~10 cycles), nearly all of each loop. */
static inline __attribute__((always_inline)) uint64_t mix64(uint64_t h, uint64_t v) {
    h ^= v;
    h *= 0x9E3779B97F4A7C15ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 32;
    return h;
}

__attribute__((noinline)) void frame_done(uint64_t h) { sink ^= h; }

__attribute__((noinline)) void encode_frames(long frames) {
    uint64_t h = 0x243F6A8885A308D3ull;
    for (long f = 0; f < frames; f++) {
        for (int i = 0; i < BLOCK; i++) h = mix64(h, data[i]);
        frame_done(h);
    }
}

__attribute__((noinline)) void checksum_blocks(long blocks) {
    uint64_t c = 0x13198A2E03707344ull;
    for (long b = 0; b < blocks; b++) {
        for (int i = 0; i < BLOCK; i++) c = mix64(c, data[i] + (uint64_t)i);
        frame_done(c);
    }
}

/* The rest: plain loops of similar cost per iteration that do not use the helper. */
__attribute__((noinline)) void fill_input(long n) {
    uint64_t x = 88172645463325252ull;
    for (long k = 0; k < n; k++) {
        for (int i = 0; i < BLOCK; i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            data[i] = x;
        }
        frame_done(x);
    }
}

__attribute__((noinline)) void pack_output(long n) {
    uint64_t p = 0;
    for (long k = 0; k < n; k++) {
        for (int i = 0; i < BLOCK; i++) p = (p << 7 | p >> 57) * 31 + data[i];
        frame_done(p);
    }
}

__attribute__((noinline)) uint64_t update_stats(long n) {   /* a leaf on purpose */
    uint64_t s = 1;
    for (long k = 0; k < n * BLOCK; k++) s = (s ^ (s >> 17)) * 0xD6E8FEB86659FD93ull + (uint64_t)k;
    return s;
}

static double thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Blocks of BLOCK iterations per round, chosen for the shares above (about 3.3 us per block in the hot two).
 * Rounds are long (~100 ms, dozens of sampling periods per part): periodic sampling then counts each part within
 * a sample or so per round. Short rounds of a length near a multiple of the sampling period alias with it (at
 * 10 ms rounds and 499 Hz, the samples fall on the same few phases of every round and miss others). */
#define ENCODE_N 13600
#define CHECKSUM_N 10300
#define FILL_N 3900
#define PACK_N 5900
#define STATS_N 4000

enum { ENCODE, CHECKSUM, FILL, PACK, STATS, NPHASES };
static const char *phase_name[NPHASES] = {"encode_frames", "checksum_blocks", "fill_input", "pack_output",
                                          "update_stats"};
static double phase[NPHASES];

#define TIMED(which, call)                      \
    do {                                        \
        double t0_ = thread_cpu();              \
        call;                                   \
        phase[which] += thread_cpu() - t0_;     \
    } while (0)

int main(int argc, char **argv) {
    double budget = argc > 1 ? atof(argv[1]) : 0.5, used = 0;
    while (used < budget) {
        TIMED(FILL, fill_input(FILL_N));
        TIMED(ENCODE, encode_frames(ENCODE_N));
        TIMED(CHECKSUM, checksum_blocks(CHECKSUM_N));
        TIMED(PACK, pack_output(PACK_N));
        TIMED(STATS, sink += update_stats(STATS_N));
        used = phase[ENCODE] + phase[CHECKSUM] + phase[FILL] + phase[PACK] + phase[STATS];
    }
    for (int p = 0; p < NPHASES; p++) fprintf(stderr, "phase %s %.6f\n", phase_name[p], phase[p]);
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    fprintf(stderr, "total process %.6f\n", (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
    printf("%llu\n", (unsigned long long)sink);
    return 0;
}
