// Crashes: sizes the adjacency for crossings 0..n-1 but indexes it with 1..n through .at().
#include <cstdio>
#include <deque>
#include <vector>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    std::vector<std::vector<std::pair<int, int>>> adjacent(n);
    for (int i = 0; i < m; ++i) {
        int u, v;
        scanf("%d %d", &u, &v);
        adjacent.at(u).push_back({v, 0});
        adjacent.at(v).push_back({u, 1});
    }
    std::vector<int> dist(n, -1);
    std::deque<int> frontier;
    dist.at(1) = 0;
    frontier.push_back(1);
    while (!frontier.empty()) {
        int u = frontier.front();
        frontier.pop_front();
        for (auto [v, cost] : adjacent.at(u)) {
            int candidate = dist.at(u) + cost;
            if (dist.at(v) == -1 || candidate < dist.at(v)) {
                dist.at(v) = candidate;
                if (cost == 0) frontier.push_front(v); else frontier.push_back(v);
            }
        }
    }
    printf("%d\n", dist.at(n));
    return 0;
}
