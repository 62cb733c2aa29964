// Wrong: keeps distances in 32-bit integers; a long path of heavy roads wraps around.
#include <algorithm>
#include <cstdio>
#include <vector>

struct Road { int to; unsigned length; };

static std::vector<unsigned> distancesFrom(const std::vector<std::vector<Road>>& roads, int start) {
    std::vector<unsigned> dist(roads.size(), 0);
    std::vector<char> seen(roads.size(), 0);
    std::vector<int> stack = {start};
    seen[start] = 1;
    while (!stack.empty()) {
        int u = stack.back();
        stack.pop_back();
        for (const Road& r : roads[u])
            if (!seen[r.to]) {
                seen[r.to] = 1;
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
        unsigned w;
        scanf("%d %d %u", &u, &v, &w);
        roads[u].push_back({v, w});
        roads[v].push_back({u, w});
    }
    auto fromOne = distancesFrom(roads, 1);
    int endA = int(std::max_element(fromOne.begin(), fromOne.end()) - fromOne.begin());
    auto fromA = distancesFrom(roads, endA);
    int endB = int(std::max_element(fromA.begin(), fromA.end()) - fromA.begin());
    auto fromB = distancesFrom(roads, endB);
    for (int v = 1; v <= n; ++v) printf("%u%c", std::max(fromA[v], fromB[v]), v == n ? '\n' : ' ');
    return 0;
}
