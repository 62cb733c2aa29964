// Reference: sort, then match the strongest remaining student with the weakest one that suffices.
#include <algorithm>
#include <cstdio>
#include <vector>

int main() {
    int n;
    long long s;
    if (scanf("%d %lld", &n, &s) != 2) return 0;
    std::vector<long long> a(n);
    for (auto& x : a) scanf("%lld", &x);
    std::sort(a.begin(), a.end());
    int weak = 0, strong = n - 1, pairs = 0;
    while (weak < strong) {
        if (a[weak] + a[strong] >= s) {
            ++pairs;
            --strong;
        }
        ++weak;
    }
    printf("%d\n", pairs);
    return 0;
}
