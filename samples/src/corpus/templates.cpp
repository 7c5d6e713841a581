// A C++ program whose profile is known by construction, for Pyrometer's real-recording corpus
// (Tests/Fixtures/real/cpp-templates, scripts/make-real-corpus.sh).
//
// Each round spends about
//   44%  in accumulate<float>    } one function template, two instantiations (noinline, so each keeps its symbol)
//   35%  in accumulate<double>   }
//    7%  in fill_inputs()
//    7%  in sort_with_lambda()  -> std::sort with a lambda comparator: std::__introsort_loop<..., lambda>, ...
//    7%  in transform_with_lambdas() -> std::transform / std::for_each with lambdas
// Each part's thread CPU time (CLOCK_THREAD_CPUTIME_ID) is printed to stderr as `phase NAME SECONDS`.
// Usage: templates [CPU_SECONDS]   (default 0.5: rounds of ~100 ms run until the timed parts used that much CPU)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

static volatile double sink;

// The template: a sequential sum (no -ffast-math, so no vectorized reduction): one add of latency per element.
template <typename T>
__attribute__((noinline)) T accumulate(const T *data, std::size_t n) {
    T s = T(0);
    for (std::size_t i = 0; i < n; i++) s += data[i] * T(0.5) + T(1);
    return s;
}

static std::vector<float> floats(4096);
static std::vector<double> doubles(4096);
static std::vector<int> keys(2048);

__attribute__((noinline)) void fill_inputs(int passes) {
    uint64_t x = 88172645463325252ull;
    for (int p = 0; p < passes; p++)
        for (std::size_t i = 0; i < floats.size(); i++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            floats[i] = float(x & 0xffff) * 1e-3f;
            doubles[i] = double(x >> 48) * 1e-3;
        }
}

__attribute__((noinline)) void sort_with_lambda(int passes) {
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int p = 0; p < passes; p++) {
        for (auto &k : keys) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; k = int(x & 0xfffff); }
        std::sort(keys.begin(), keys.end(), [](int a, int b) { return (a ^ 0x5555) < (b ^ 0x5555); });
    }
    sink = sink + keys[0];
}

__attribute__((noinline)) void transform_with_lambdas(int passes) {
    std::vector<double> out(floats.size());
    double bias = 0.25;
    for (int p = 0; p < passes; p++) {
        std::transform(floats.begin(), floats.end(), doubles.begin(), out.begin(),
                       [bias](float f, double d) { return f * d + bias; });
        std::for_each(out.begin(), out.end(), [&bias](double &v) { v = v > bias ? v - bias : v * 0.5; });
        bias = out[p % out.size()] * 1e-9 + 0.25;
    }
    sink = sink + bias;
}

static double thread_cpu() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

// Passes per round, chosen for the shares above. Rounds are long (~100 ms) so that periodic sampling does not alias
// with them (see inline_helper.c).
enum { FLOAT_PASSES = 17270, DOUBLE_PASSES = 14720, FILL_PASSES = 960, SORT_PASSES = 80, TRANSFORM_PASSES = 2070 };

int main(int argc, char **argv) {
    double budget = argc > 1 ? std::atof(argv[1]) : 0.5;
    const char *names[] = {"accumulate<float>", "accumulate<double>", "fill_inputs", "sort_with_lambda",
                           "transform_with_lambdas"};
    double phase[5] = {0, 0, 0, 0, 0};
    double acc = 0;
    for (double used = 0; used < budget; used = phase[0] + phase[1] + phase[2] + phase[3] + phase[4]) {
        double t0 = thread_cpu();
        fill_inputs(FILL_PASSES);
        double t1 = thread_cpu();
        for (int p = 0; p < FLOAT_PASSES; p++) acc += accumulate(floats.data() + (p & 7), floats.size() - 8);
        double t2 = thread_cpu();
        for (int p = 0; p < DOUBLE_PASSES; p++) acc += accumulate(doubles.data() + (p & 7), doubles.size() - 8);
        double t3 = thread_cpu();
        sort_with_lambda(SORT_PASSES);
        double t4 = thread_cpu();
        transform_with_lambdas(TRANSFORM_PASSES);
        double t5 = thread_cpu();
        phase[2] += t1 - t0; phase[0] += t2 - t1; phase[1] += t3 - t2; phase[3] += t4 - t3; phase[4] += t5 - t4;
    }
    for (int p = 0; p < 5; p++) std::fprintf(stderr, "phase %s %.6f\n", names[p], phase[p]);
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    std::fprintf(stderr, "total process %.6f\n", double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9);
    std::printf("%g\n", acc + sink);
    return 0;
}
