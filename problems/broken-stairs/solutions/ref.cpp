// Reference: ways[i] = sum of ways[i - d] over allowed lengths, zero on broken steps.
#include <cstdio>
#include <vector>

int main() {
    const long long MOD = 1000000007;
    int n, m, b;
    if (scanf("%d %d %d", &n, &m, &b) != 3) return 0;
    std::vector<int> lengths(m);
    for (auto& d : lengths) scanf("%d", &d);
    std::vector<char> broken(n + 1, 0);
    for (int i = 0; i < b; ++i) {
        int step;
        scanf("%d", &step);
        broken[step] = 1;
    }
    std::vector<long long> ways(n + 1, 0);
    ways[0] = 1;
    for (int i = 1; i <= n; ++i) {
        if (broken[i]) continue;
        long long sum = 0;
        for (int d : lengths)
            if (d <= i) sum += ways[i - d];
        ways[i] = sum % MOD;
    }
    printf("%lld\n", ways[n]);
    return 0;
}
