// Does not compile: the counter is declared as `pairs` but incremented as `pair_count`.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    int n;
    long long s;
    scanf("%d %lld", &n, &s);
    std::vector<long long> a(n);
    for (auto& x : a) scanf("%lld", &x);
    std::sort(a.begin(), a.end());
    int weak = 0, strong = n - 1, pairs = 0;
    while (weak < strong) {
        if (a[weak] + a[strong] >= s) {
            ++pair_count;
            --strong;
        }
        ++weak;
    }
    printf("%d\n", pairs);
    return 0;
}
