// Wrong: sums up to ten residues in a 32-bit int before reducing, which overflows.
#include <cstdio>
#include <vector>

int main() {
    const int MOD = 1000000007;
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
    std::vector<int> ways(n + 1, 0);
    ways[0] = 1;
    for (int i = 1; i <= n; ++i) {
        if (broken[i]) continue;
        unsigned sum = 0;  // unsigned so the wrap-around is defined, but still wrong
        for (int d : lengths)
            if (d <= i) sum += ways[i - d];
        ways[i] = (int)(sum % MOD);
    }
    printf("%d\n", ways[n]);
    return 0;
}
