# Crashes: a recursive traversal exceeds Python's default recursion limit on deep trees.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    adjacent = [[] for _ in range(n + 1)]
    for i in range(n - 1):
        u, v, w = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
        adjacent[u].append((v, w))
        adjacent[v].append((u, w))

    def walk(u, parent, depth, dist):
        dist[u] = depth
        for v, w in adjacent[u]:
            if v != parent:
                walk(v, u, depth + w, dist)

    def distances_from(start):
        dist = [0] * (n + 1)
        walk(start, 0, 0, dist)
        return dist

    from_one = distances_from(1)
    end_a = from_one.index(max(from_one))
    from_a = distances_from(end_a)
    end_b = from_a.index(max(from_a))
    from_b = distances_from(end_b)
    print(" ".join(str(max(from_a[v], from_b[v])) for v in range(1, n + 1)))


main()
