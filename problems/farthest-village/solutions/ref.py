# Reference: measure from both ends of a diameter with iterative traversals.
import sys


def distances_from(adjacent, n, start):
    dist = [-1] * (n + 1)
    dist[start] = 0
    stack = [start]
    while stack:
        u = stack.pop()
        base = dist[u]
        for v, w in adjacent[u]:
            if dist[v] < 0:
                dist[v] = base + w
                stack.append(v)
    return dist


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    adjacent = [[] for _ in range(n + 1)]
    for i in range(n - 1):
        u, v, w = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
        adjacent[u].append((v, w))
        adjacent[v].append((u, w))
    from_one = distances_from(adjacent, n, 1)
    end_a = from_one.index(max(from_one))
    from_a = distances_from(adjacent, n, end_a)
    end_b = from_a.index(max(from_a))
    from_b = distances_from(adjacent, n, end_b)
    print(" ".join(str(max(from_a[v], from_b[v])) for v in range(1, n + 1)))


main()
