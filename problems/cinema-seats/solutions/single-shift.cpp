// Wrong idea: answers k plus the number of taken seats at or before k, shifting only once
// (the seats skipped by that shift may themselves be taken).
#include <cstdio>
#include <vector>

int main() {
    int n, q;
    scanf("%d %d", &n, &q);
    std::vector<int> tree(n + 1, 0);
    auto add = [&](int position, int delta) {
        for (; position <= n; position += position & -position) tree[position] += delta;
    };
    auto takenUpTo = [&](int position) {
        int sum = 0;
        for (; position > 0; position -= position & -position) sum += tree[position];
        return sum;
    };
    int freeSeats = n;
    while (q--) {
        char kind;
        int value;
        scanf(" %c %d", &kind, &value);
        if (kind == '-') {
            add(value, -1);
            ++freeSeats;
            continue;
        }
        if (value > freeSeats) {
            puts("-1");
            continue;
        }
        int seat = value + takenUpTo(value);
        if (seat > n) seat = n;
        add(seat, 1);
        --freeSeats;
        printf("%d\n", seat);
    }
    return 0;
}
