// Wrong idea: finds the cheapest route without the pass, then spends the pass on its priciest
// road; a route that is worse without the pass can be better with it.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <queue>
#include <vector>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    struct Road { int to; long long toll; };
    std::vector<std::vector<Road>> roads(n + 1);
    for (int i = 0; i < m; ++i) {
        int u, v;
        long long c;
        scanf("%d %d %lld", &u, &v, &c);
        roads[u].push_back({v, c});
        roads[v].push_back({u, c});
    }
    std::vector<long long> best(n + 1, -1), viaToll(n + 1, 0);
    std::vector<int> previous(n + 1, 0);
    using Item = std::pair<long long, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    best[1] = 0;
    queue.push({0, 1});
    while (!queue.empty()) {
        auto [cost, city] = queue.top();
        queue.pop();
        if (cost != best[city]) continue;
        for (const Road& r : roads[city])
            if (best[r.to] < 0 || cost + r.toll < best[r.to]) {
                best[r.to] = cost + r.toll;
                previous[r.to] = city;
                viaToll[r.to] = r.toll;
                queue.push({best[r.to], r.to});
            }
    }
    if (best[n] < 0) {
        puts("-1");
        return 0;
    }
    long long priciest = 0;
    for (int city = n; city != 1; city = previous[city]) priciest = std::max(priciest, viaToll[city]);
    printf("%lld\n", best[n] - priciest);
    return 0;
}
