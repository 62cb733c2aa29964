// Wrong idea: counts houses divisible by a OR b (subtracts the common ones once, not twice).
#include <cstdio>
#include <numeric>

int main() {
    int t;
    scanf("%d", &t);
    while (t--) {
        unsigned long long n, a, b;
        scanf("%llu %llu %llu", &n, &a, &b);
        unsigned long long g = std::gcd(a, b);
        unsigned long long aOverG = a / g;
        unsigned long long both = (aOverG > n / b) ? 0 : n / (aOverG * b);
        printf("%llu\n", n / a + n / b - both);
    }
    return 0;
}
