// Wrong: the loop stops one step early (lo + 1 < hi) and answers lo, so a summit at hi is missed.
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
    scanf("%d", &n);
    int lo = 1, hi = n;
    while (lo + 1 < hi) {
        int mid = lo + (hi - lo) / 2;
        if (measure(mid) < measure(mid + 1)) lo = mid + 1; else hi = mid;
    }
    printf("! %d\n", lo);
    fflush(stdout);
    return 0;
}
