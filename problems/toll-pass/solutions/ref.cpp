// Reference: Dijkstra over states (city, pass used?); using the pass on a road is a 0-cost move
// from the "unused" layer to the "used" one.
#include <cstdio>
#include <functional>
#include <queue>
#include <vector>

int main() {
    int n, m;
    if (scanf("%d %d", &n, &m) != 2) return 0;
    struct Road { int to; long long toll; };
    std::vector<std::vector<Road>> roads(n + 1);
    for (int i = 0; i < m; ++i) {
        int u, v;
        long long c;
        scanf("%d %d %lld", &u, &v, &c);
        roads[u].push_back({v, c});
        roads[v].push_back({u, c});
    }
    const long long UNREACHED = -1;
    std::vector<long long> best(2 * (n + 1), UNREACHED);  // state = city * 2 + passUsed
    using Item = std::pair<long long, int>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    auto offer = [&](int state, long long cost) {
        if (best[state] == UNREACHED || cost < best[state]) {
            best[state] = cost;
            queue.push({cost, state});
        }
    };
    offer(2, 0);
    while (!queue.empty()) {
        auto [cost, state] = queue.top();
        queue.pop();
        if (cost != best[state]) continue;
        int city = state / 2, used = state % 2;
        for (const Road& r : roads[city]) {
            offer(r.to * 2 + used, cost + r.toll);
            if (!used) offer(r.to * 2 + 1, cost);
        }
    }
    long long answer = best[2 * n + 1];
    if (best[2 * n] != UNREACHED && (answer == UNREACHED || best[2 * n] < answer)) answer = best[2 * n];
    printf("%lld\n", answer);
    return 0;
}
