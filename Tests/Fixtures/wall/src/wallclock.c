// The wall-clock corpus program (Tests/Fixtures/wall/README.md): per iteration the main thread burns CPU in burn()
// (~25% of its wall time), sleeps in nap() (~50%), and waits in wait_for_lock() (~25%) on a mutex that a second
// thread holds; it times its own phases with CLOCK_MONOTONIC and prints their shares.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define PHASE_MS 10
#ifndef NAP_MS  // the variant with -DNAP_MS=26 sleeps 30% longer: the planted wall-time regression
#define NAP_MS (2 * PHASE_MS)
#endif
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t turn = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int holder_go;
static volatile unsigned long sink;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static void burn(double seconds) {  // on the CPU
  double end = now() + seconds;
  unsigned long x = 1;
  while (now() < end) for (int i = 0; i < 1000; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  sink = x;
}

__attribute__((noinline)) static void nap(double seconds) {  // off the CPU, sleeping
  struct timespec t = {0, (long)(seconds * 1e9)};
  nanosleep(&t, NULL);
}

__attribute__((noinline)) static void wait_for_lock(void) {  // off the CPU, blocked on the holder's mutex
  pthread_mutex_lock(&lock);
  pthread_mutex_unlock(&lock);
}

// The second thread: told to take the lock, holds it for PHASE_MS (sleeping), releases it.
static void *holder(void *unused) {
  (void)unused;
  for (;;) {
    pthread_mutex_lock(&turn);
    while (!holder_go) pthread_cond_wait(&wake, &turn);
    holder_go = 0;
    pthread_mutex_lock(&lock);
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&turn);
    nap(PHASE_MS / 1000.0);
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  int iterations = argc > 1 ? atoi(argv[1]) : 100;
  pthread_t thread;
  pthread_create(&thread, NULL, holder, NULL);
  double phases[3] = {0, 0, 0};
  double start = now();
  for (int i = 0; i < iterations; i++) {
    double t0 = now();
    burn(PHASE_MS / 1000.0);
    double t1 = now();
    nap(NAP_MS / 1000.0);
    double t2 = now();
    // Hand the lock to the holder and wait until it has it, then block on it.
    pthread_mutex_lock(&turn);
    holder_go = 1;
    pthread_cond_signal(&wake);
    while (holder_go) pthread_cond_wait(&wake, &turn);
    pthread_mutex_unlock(&turn);
    double t3 = now();
    wait_for_lock();
    double t4 = now();
    phases[0] += t1 - t0;
    phases[1] += t2 - t1;
    phases[2] += t4 - t3;
  }
  double total = now() - start;
  printf("wall %.3f s: burn %.1f%% nap %.1f%% wait_for_lock %.1f%% (other %.1f%%)\n", total,
         100 * phases[0] / total, 100 * phases[1] / total, 100 * phases[2] / total,
         100 * (total - phases[0] - phases[1] - phases[2]) / total);
  return 0;
}
