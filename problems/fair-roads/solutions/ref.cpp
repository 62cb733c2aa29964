// Reference: pair up odd-degree towns through a virtual town 0 so every degree is even, then
// walk along unused roads until stuck (which can only happen where the walk started) and orient
// each road in the walking direction; every walk is balanced, and dropping the virtual roads
// changes any town's balance by at most one.
#include <cstdio>
#include <string>
#include <vector>

int main() {
    int n, m;
    if (scanf("%d %d", &n, &m) != 2) return 0;
    std::vector<int> from(m), to(m), degree(n + 1, 0);
    for (int i = 0; i < m; ++i) {
        scanf("%d %d", &from[i], &to[i]);
        ++degree[from[i]];
        ++degree[to[i]];
    }
    for (int town = 1; town <= n; ++town)
        if (degree[town] % 2) {
            from.push_back(0);
            to.push_back(town);
        }
    int total = int(from.size());
    std::vector<std::vector<int>> roadsAt(n + 1);
    for (int i = 0; i < total; ++i) {
        roadsAt[from[i]].push_back(i);
        roadsAt[to[i]].push_back(i);
    }
    std::vector<char> used(total, 0);
    std::vector<size_t> next(n + 1, 0);
    std::string plan(m, '0');
    for (int start = 0; start <= n; ++start) {
        int town = start;
        while (true) {
            auto& list = roadsAt[town];
            while (next[town] < list.size() && used[list[next[town]]]) ++next[town];
            if (next[town] == list.size()) break;
            int road = list[next[town]];
            used[road] = 1;
            bool forward = from[road] == town;
            if (road < m) plan[road] = forward ? '0' : '1';
            town = forward ? to[road] : from[road];
        }
    }
    printf("%s\n", plan.c_str());
    return 0;
}
