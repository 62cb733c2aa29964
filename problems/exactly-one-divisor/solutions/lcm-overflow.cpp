// Wrong: computes lcm as a / gcd * b in 64 bits, which overflows for large coprime a and b.
#include <cstdio>
#include <numeric>

int main() {
    int t;
    scanf("%d", &t);
    while (t--) {
        long long n, a, b;
        scanf("%lld %lld %lld", &n, &a, &b);
        long long lcm = a / std::gcd(a, b) * b;
        long long both = lcm > 0 ? n / lcm : 0;
        printf("%lld\n", n / a + n / b - 2 * both);
    }
    return 0;
}
