// Wrong idea: puts the tower halfway between the outermost stations, ignoring the speeds.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

int main() {
    int n;
    scanf("%d", &n);
    std::vector<double> x(n), v(n);
    for (int i = 0; i < n; ++i) scanf("%lf %lf", &x[i], &v[i]);
    double p = (*std::min_element(x.begin(), x.end()) + *std::max_element(x.begin(), x.end())) / 2;
    double worst = 0;
    for (int i = 0; i < n; ++i) worst = std::max(worst, std::fabs(p - x[i]) / v[i]);
    printf("%.9f\n", worst);
    return 0;
}
