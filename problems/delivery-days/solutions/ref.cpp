// Reference: binary search on the answer with a greedy "fill each day as far as possible" check.
#include <algorithm>
#include <cstdio>
#include <vector>

static bool fits(const std::vector<long long>& w, int k, long long cap) {
    int days = 1;
    long long load = 0;
    for (long long x : w) {
        if (x > cap) return false;
        if (load + x > cap) {
            if (++days > k) return false;
            load = 0;
        }
        load += x;
    }
    return true;
}

int main() {
    int n, k;
    if (scanf("%d %d", &n, &k) != 2) return 0;
    std::vector<long long> w(n);
    long long total = 0, heaviest = 0;
    for (auto& x : w) {
        scanf("%lld", &x);
        total += x;
        heaviest = std::max(heaviest, x);
    }
    long long lo = heaviest, hi = total;
    while (lo < hi) {
        long long mid = (lo + hi) / 2;
        if (fits(w, k, mid)) hi = mid; else lo = mid + 1;
    }
    printf("%lld\n", lo);
    return 0;
}
