// Reference: the farthest village from any village is one of the two ends of a diameter,
// so three traversals (find one end, find the other, measure from both) give every answer.
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
    if (scanf("%d", &n) != 1) return 0;
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
    int endB = int(std::max_element(fromA.begin(), fromA.end()) - fromA.begin());
    auto fromB = distancesFrom(roads, endB);
    for (int v = 1; v <= n; ++v) printf("%lld%c", std::max(fromA[v], fromB[v]), v == n ? '\n' : ' ');
    return 0;
}
