#include <stdlib.h>

__attribute__((noinline)) void *site_a(size_t n) { return malloc(n); }
__attribute__((noinline)) void *site_b(size_t n) { return malloc(n); }
int main(void) {
    void *p[2];
    for (int k = 0; k < 2; k++)
        p[k] = site_a(16);
    void *q = site_b(32);
    free(p[0]);
    return q == 0;
}
