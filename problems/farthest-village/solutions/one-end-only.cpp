// Wrong: measures only from the village farthest from village 1 (one diameter end, not both).
#include <algorithm>
#include <cstdio>
#include <vector>

struct Road { int to; long long length; };

static std::vector<long long> distancesFrom(const std::vector<std::vector<Road>>& roads, int start) {
    std::vector<long long> dist(roads.size(), -1);
    std::vector<int> stack = {start};
    dist[start] = 0;
    while (!stack.empty()) {
        int u = stack.back();
        stack.pop_back();
        for (const Road& r : roads[u])
            if (dist[r.to] < 0) {
                dist[r.to] = dist[u] + r.length;
                stack.push_back(r.to);
            }
    }
    return dist;
}

int main() {
    int n;
    scanf("%d", &n);
    std::vector<std::vector<Road>> roads(n + 1);
    for (int i = 0; i < n - 1; ++i) {
        int u, v;
        long long w;
        scanf("%d %d %lld", &u, &v, &w);
        roads[u].push_back({v, w});
        roads[v].push_back({u, w});
    }
    auto fromOne = distancesFrom(roads, 1);
    int endA = int(std::max_element(fromOne.begin(), fromOne.end()) - fromOne.begin());
    auto fromA = distancesFrom(roads, endA);
    for (int v = 1; v <= n; ++v) printf("%lld%c", fromA[v], v == n ? '\n' : ' ');
    return 0;
}
