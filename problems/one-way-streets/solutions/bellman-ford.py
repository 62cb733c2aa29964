# Correct but slow: Bellman-Ford relaxes every street in every round, O(n * m).
import sys


def main():
    data = sys.stdin.read().split()
    n, m = int(data[0]), int(data[1])
    edges = []
    for i in range(m):
        u, v = int(data[2 + 2 * i]), int(data[3 + 2 * i])
        edges.append((u, v, 0))
        edges.append((v, u, 1))
    infinity = float("inf")
    dist = [infinity] * (n + 1)
    dist[1] = 0
    for _ in range(n):
        changed = False
        for u, v, cost in edges:
            if dist[u] + cost < dist[v]:
                dist[v] = dist[u] + cost
                changed = True
        if not changed:
            break
    print(dist[n] if dist[n] != infinity else -1)


main()
