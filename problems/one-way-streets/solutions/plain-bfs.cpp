// Wrong: ordinary BFS fixes each crossing's cost on first visit, as if every street cost the same.
#include <cstdio>
#include <queue>
#include <vector>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    std::vector<std::vector<std::pair<int, int>>> adjacent(n + 1);
    for (int i = 0; i < m; ++i) {
        int u, v;
        scanf("%d %d", &u, &v);
        adjacent[u].push_back({v, 0});
        adjacent[v].push_back({u, 1});
    }
    std::vector<int> dist(n + 1, -1);
    std::queue<int> frontier;
    dist[1] = 0;
    frontier.push(1);
    while (!frontier.empty()) {
        int u = frontier.front();
        frontier.pop();
        for (auto [v, cost] : adjacent[u]) {
            if (dist[v] != -1) continue;
            dist[v] = dist[u] + cost;
            frontier.push(v);
        }
    }
    printf("%d\n", dist[n]);
    return 0;
}
