/* A two-thread program whose profile is known by construction, for Pyrometer's real-recording corpus
 * (Tests/Fixtures/real/c-two-threads, scripts/make-real-corpus.sh).
 *
 * Thread A spends its CPU in worker_a_hash() (an FNV-1a style hash over a buffer, all in its own body), thread B in
 * worker_b_sort() (refills an array and shell-sorts it, all in its own body: no qsort, so no libc frames).
 * Each thread runs until its own thread CPU time (CLOCK_THREAD_CPUTIME_ID) reaches the budget, so each is ~50% of
 * the samples whatever the other load on the machine; each prints `phase NAME SECONDS` to stderr.
 * Usage: two_threads [CPU_SECONDS_PER_THREAD]   (default 0.4) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double budget = 0.4;
static volatile uint64_t sink_a, sink_b;
static double seconds_a, seconds_b;

static double thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#define N 4096

__attribute__((noinline)) void worker_a_hash(void) {
    static uint8_t buf[N];
    for (int i = 0; i < N; i++) buf[i] = (uint8_t)(i * 131 + 7);
    double t0 = thread_cpu(), t = t0;
    uint64_t h = 1469598103934665603ull;
    while (t - t0 < budget) {
        for (int pass = 0; pass < 64; pass++)
            for (int i = 0; i < N; i++) h = (h ^ buf[i]) * 1099511628211ull;
        sink_a = h;
        t = thread_cpu();
    }
    seconds_a = t - t0;
}

__attribute__((noinline)) void worker_b_sort(void) {
    static uint32_t a[N];
    double t0 = thread_cpu(), t = t0;
    uint32_t x = 2463534242u;
    while (t - t0 < budget) {
        for (int pass = 0; pass < 8; pass++) {
            for (int i = 0; i < N; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; a[i] = x; }
            for (int gap = N / 2; gap > 0; gap /= 2)
                for (int i = gap; i < N; i++) {
                    uint32_t v = a[i];
                    int j = i;
                    for (; j >= gap && a[j - gap] > v; j -= gap) a[j] = a[j - gap];
                    a[j] = v;
                }
            sink_b += a[N / 2];
        }
        t = thread_cpu();
    }
    seconds_b = t - t0;
}

static void *thread_a(void *arg) { (void)arg; worker_a_hash(); return NULL; }
static void *thread_b(void *arg) { (void)arg; worker_b_sort(); return NULL; }

int main(int argc, char **argv) {
    if (argc > 1) budget = atof(argv[1]);
    pthread_t a, b;
    pthread_create(&a, NULL, thread_a, NULL);
    pthread_create(&b, NULL, thread_b, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    fprintf(stderr, "phase worker_a_hash %.6f\nphase worker_b_sort %.6f\n", seconds_a, seconds_b);
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    fprintf(stderr, "total process %.6f\n", (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
    printf("%llu %llu\n", (unsigned long long)sink_a, (unsigned long long)sink_b);
    return 0;
}
