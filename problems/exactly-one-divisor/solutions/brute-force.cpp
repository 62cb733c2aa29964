// Correct but far too slow: walks over every house number (up to 10^18 of them).
#include <cstdio>

int main() {
    int t;
    scanf("%d", &t);
    while (t--) {
        unsigned long long n, a, b, count = 0;
        scanf("%llu %llu %llu", &n, &a, &b);
        for (unsigned long long house = 1; house <= n; ++house)
            if ((house % a == 0) != (house % b == 0)) ++count;
        printf("%llu\n", count);
    }
    return 0;
}
