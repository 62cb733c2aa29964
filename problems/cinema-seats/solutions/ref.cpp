// Reference: Fenwick tree of free seats; the k-th free seat is found by binary lifting.
#include <cstdio>
#include <vector>

int main() {
    int n, q;
    if (scanf("%d %d", &n, &q) != 2) return 0;
    std::vector<int> tree(n + 1, 0);
    auto add = [&](int position, int delta) {
        for (; position <= n; position += position & -position) tree[position] += delta;
    };
    for (int i = 1; i <= n; ++i) add(i, 1);
    int highBit = 1;
    while (highBit * 2 <= n) highBit *= 2;
    int freeSeats = n;
    while (q--) {
        char kind;
        int value;
        scanf(" %c %d", &kind, &value);
        if (kind == '-') {
            add(value, 1);
            ++freeSeats;
            continue;
        }
        if (value > freeSeats) {
            puts("-1");
            continue;
        }
        int position = 0, remaining = value;
        for (int step = highBit; step > 0; step /= 2)
            if (position + step <= n && tree[position + step] < remaining) {
                position += step;
                remaining -= tree[position];
            }
        add(position + 1, -1);
        --freeSeats;
        printf("%d\n", position + 1);
    }
    return 0;
}
