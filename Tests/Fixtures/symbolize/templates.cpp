// Symbolizer fixture: C++ templates, namespaces, a lambda and inlined member functions at -O2.
#include <cstdio>
#include <vector>
#include <algorithm>

namespace geometry {
template <typename T> struct Vec {
    T x, y;
    T dot(const Vec &o) const { return x * o.x + y * o.y; }
};

template <typename T> __attribute__((noinline)) T total(const std::vector<Vec<T>> &points) {
    T sum{};
    for (const auto &p : points) sum += p.dot(p);
    return sum;
}
}  // namespace geometry

__attribute__((noinline)) int sorted_sum(std::vector<int> &values) {
    std::sort(values.begin(), values.end(), [](int a, int b) { return (a % 7) < (b % 7); });
    int s = 0;
    for (int v : values) s += v;
    return s;
}

int main() {
    std::vector<geometry::Vec<double>> points;
    std::vector<int> values;
    for (int i = 0; i < 1000; i++) {
        points.push_back({i * 0.5, i * 0.25});
        values.push_back(i * 13 % 101);
    }
    std::printf("%f %d %ld\n", geometry::total(points), sorted_sum(values),
                (long)geometry::total(std::vector<geometry::Vec<long>>{{1, 2}, {3, 4}}));
}
