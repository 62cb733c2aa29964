// Memory blow-up: keeps a row per step of how many ways end with each possible jump length,
// i.e. an (n + 1) x (n + 1) table, gigabytes for large n. Rows are filled as they are made, so
// the memory is really used (not just reserved).
#include <cstdio>
#include <vector>

int main() {
    const long long MOD = 1000000007;
    int n, m, b;
    scanf("%d %d %d", &n, &m, &b);
    std::vector<int> lengths(m);
    for (auto& d : lengths) scanf("%d", &d);
    std::vector<char> broken(n + 1, 0);
    for (int i = 0; i < b; ++i) {
        int step;
        scanf("%d", &step);
        broken[step] = 1;
    }
    std::vector<long long> total(n + 1, 0);
    std::vector<std::vector<long long>> byLastJump;
    total[0] = 1;
    byLastJump.emplace_back(n + 1, 0);
    for (int i = 1; i <= n; ++i) {
        byLastJump.emplace_back(n + 1, 0);
        if (broken[i]) continue;
        for (int d : lengths)
            if (d <= i) byLastJump[i][d] = total[i - d];
        long long sum = 0;
        for (int d : lengths) sum += byLastJump[i][d <= i ? d : 0];
        total[i] = sum % MOD;
    }
    printf("%lld\n", total[n]);
    return 0;
}
