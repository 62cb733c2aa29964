// Reference: binary search on the slope; comparing h[m] and h[m + 1] tells which side the summit
// is on. Uses at most 2 * 17 = 34 measurements for n <= 10^5.
#include <cstdio>
#include <cstdlib>

static long long measure(int point) {
    printf("? %d\n", point);
    fflush(stdout);
    long long height;
    if (scanf("%lld", &height) != 1 || height < 0) std::exit(0);
    return height;
}

int main() {
    int n;
    if (scanf("%d", &n) != 1) return 0;
    int lo = 1, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (measure(mid) < measure(mid + 1)) lo = mid + 1; else hi = mid;
    }
    printf("! %d\n", lo);
    fflush(stdout);
    return 0;
}
