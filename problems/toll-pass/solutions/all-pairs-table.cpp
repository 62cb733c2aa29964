// Memory blow-up: Floyd-Warshall on two layers keeps an n x n table of 64-bit costs per layer,
// about 1.6 GB for n = 10^4. Rows are filled as they are made, so the memory is really touched.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    const long long INF = (long long)4e18;
    std::vector<std::vector<long long>> plain, withPass;
    for (int i = 0; i <= n; ++i) {
        plain.emplace_back(n + 1, INF);
        withPass.emplace_back(n + 1, INF);
        plain[i][i] = withPass[i][i] = 0;
    }
    for (int i = 0; i < m; ++i) {
        int u, v;
        long long c;
        scanf("%d %d %lld", &u, &v, &c);
        plain[u][v] = plain[v][u] = std::min(plain[u][v], c);
        withPass[u][v] = withPass[v][u] = 0;
    }
    for (int k = 1; k <= n; ++k)
        for (int i = 1; i <= n; ++i)
            for (int j = 1; j <= n; ++j) {
                if (plain[i][k] < INF && plain[k][j] < INF)
                    plain[i][j] = std::min(plain[i][j], plain[i][k] + plain[k][j]);
            }
    for (int k = 1; k <= n; ++k)
        for (int i = 1; i <= n; ++i)
            for (int j = 1; j <= n; ++j) {
                // the pass is used on exactly one of the two halves
                if (withPass[i][k] < INF && plain[k][j] < INF)
                    withPass[i][j] = std::min(withPass[i][j], withPass[i][k] + plain[k][j]);
                if (plain[i][k] < INF && withPass[k][j] < INF)
                    withPass[i][j] = std::min(withPass[i][j], plain[i][k] + withPass[k][j]);
            }
    long long answer = std::min(plain[1][n], withPass[1][n]);
    printf("%lld\n", answer >= INF ? -1 : answer);
    return 0;
}
