// Reference: 0-1 BFS; a street costs 0 along its direction and 1 against it.
#include <cstdio>
#include <deque>
#include <vector>

int main() {
    int n, m;
    if (scanf("%d %d", &n, &m) != 2) return 0;
    std::vector<std::vector<std::pair<int, int>>> adjacent(n + 1);
    for (int i = 0; i < m; ++i) {
        int u, v;
        scanf("%d %d", &u, &v);
        adjacent[u].push_back({v, 0});
        adjacent[v].push_back({u, 1});
    }
    const int UNSEEN = -1;
    std::vector<int> dist(n + 1, UNSEEN);
    std::vector<char> done(n + 1, 0);
    std::deque<int> frontier;
    dist[1] = 0;
    frontier.push_back(1);
    while (!frontier.empty()) {
        int u = frontier.front();
        frontier.pop_front();
        if (done[u]) continue;
        done[u] = 1;
        for (auto [v, cost] : adjacent[u]) {
            int candidate = dist[u] + cost;
            if (dist[v] == UNSEEN || candidate < dist[v]) {
                dist[v] = candidate;
                if (cost == 0) frontier.push_front(v); else frontier.push_back(v);
            }
        }
    }
    printf("%d\n", dist[n]);
    return 0;
}
