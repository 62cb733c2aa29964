// Reference: inclusion-exclusion, lcm checked against n before it can overflow.
#include <cstdio>
#include <numeric>

int main() {
    int t;
    if (scanf("%d", &t) != 1) return 0;
    while (t--) {
        unsigned long long n, a, b;
        scanf("%llu %llu %llu", &n, &a, &b);
        unsigned long long g = std::gcd(a, b);
        unsigned long long aOverG = a / g;
        // lcm = aOverG * b; it only matters when it is <= n
        unsigned long long both = (aOverG > n / b) ? 0 : n / (aOverG * b);
        printf("%llu\n", n / a + n / b - 2 * both);
    }
    return 0;
}
