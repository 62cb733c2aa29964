// Wrong: searches from 0 and its check lets a single parcel exceed the daily capacity.
#include <cstdio>
#include <vector>

static bool fits(const std::vector<long long>& w, int k, long long cap) {
    int days = 1;
    long long load = 0;
    for (long long x : w) {
        if (load > 0 && load + x > cap) {
            ++days;
            load = 0;
        }
        load += x;
    }
    return days <= k;
}

int main() {
    int n, k;
    scanf("%d %d", &n, &k);
    std::vector<long long> w(n);
    long long total = 0;
    for (auto& x : w) {
        scanf("%lld", &x);
        total += x;
    }
    long long lo = 0, hi = total;
    while (lo < hi) {
        long long mid = (lo + hi) / 2;
        if (fits(w, k, mid)) hi = mid; else lo = mid + 1;
    }
    printf("%lld\n", lo);
    return 0;
}
