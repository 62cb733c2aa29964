// Wrong greedy: takes roads in input order and points each one into the endpoint that currently
// has the smaller balance; early choices cannot be undone, so some towns end up unbalanced.
#include <cstdio>
#include <string>
#include <vector>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    std::vector<int> balance(n + 1, 0);  // out-degree minus in-degree so far
    std::string plan(m, '0');
    for (int i = 0; i < m; ++i) {
        int u, v;
        scanf("%d %d", &u, &v);
        if (balance[u] <= balance[v]) {
            ++balance[u];
            --balance[v];
        } else {
            plan[i] = '1';
            ++balance[v];
            --balance[u];
        }
    }
    printf("%s\n", plan.c_str());
    return 0;
}
