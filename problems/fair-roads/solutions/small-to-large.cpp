// Wrong idea: directs every road from the smaller town number to the larger one.
#include <cstdio>
#include <string>

int main() {
    int n, m;
    scanf("%d %d", &n, &m);
    std::string plan(m, '0');
    for (int i = 0; i < m; ++i) {
        int u, v;
        scanf("%d %d", &u, &v);
        plan[i] = u < v ? '0' : '1';
    }
    printf("%s\n", plan.c_str());
    return 0;
}
