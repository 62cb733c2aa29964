// Wrong greedy: pairs neighbours in sorted order from the top, wasting strong students.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>

int main() {
    int n;
    long long s;
    scanf("%d %lld", &n, &s);
    std::vector<long long> a(n);
    for (auto& x : a) scanf("%lld", &x);
    std::sort(a.begin(), a.end(), std::greater<long long>());
    int pairs = 0;
    for (int i = 0; i + 1 < n; i += 2)
        if (a[i] + a[i + 1] >= s) ++pairs;
    printf("%d\n", pairs);
    return 0;
}
