// Reference: binary search on the time T; all reach intervals [x - T v, x + T v] must intersect.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    int n;
    if (scanf("%d", &n) != 1) return 0;
    std::vector<double> x(n), v(n);
    for (int i = 0; i < n; ++i) scanf("%lf %lf", &x[i], &v[i]);
    double lo = 0, hi = 4e6;
    for (int iter = 0; iter < 100; ++iter) {
        double mid = (lo + hi) / 2, left = -1e18, right = 1e18;
        for (int i = 0; i < n; ++i) {
            left = std::max(left, x[i] - mid * v[i]);
            right = std::min(right, x[i] + mid * v[i]);
        }
        if (left <= right) hi = mid; else lo = mid;
    }
    printf("%.9f\n", hi);
    return 0;
}
