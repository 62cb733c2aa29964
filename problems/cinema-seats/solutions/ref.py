# Reference: Fenwick tree over free seats with binary-lifting search for the k-th one.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, q = int(data[0]), int(data[1])
    # a Fenwick tree of all ones: node i covers (i - lowbit(i), i], so it holds lowbit(i)
    tree = [0] + [i & -i for i in range(1, n + 1)]
    high_bit = 1 << (n.bit_length() - 1)
    free_seats = n
    out = []
    for e in range(q):
        kind = data[2 + 2 * e]
        value = int(data[3 + 2 * e])
        if kind == b"-":
            position = value
            while position <= n:
                tree[position] += 1
                position += position & -position
            free_seats += 1
            continue
        if value > free_seats:
            out.append(-1)
            continue
        position, remaining, step = 0, value, high_bit
        while step:
            nxt = position + step
            if nxt <= n and tree[nxt] < remaining:
                position = nxt
                remaining -= tree[nxt]
            step >>= 1
        seat = position + 1
        out.append(seat)
        free_seats -= 1
        position = seat
        while position <= n:
            tree[position] -= 1
            position += position & -position
    sys.stdout.write("\n".join(map(str, out)) + "\n")


main()
