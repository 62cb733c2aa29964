# Correct but quadratic: a full traversal from every village.
import sys


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    adjacent = [[] for _ in range(n + 1)]
    for i in range(n - 1):
        u, v, w = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
        adjacent[u].append((v, w))
        adjacent[v].append((u, w))
    answers = []
    for start in range(1, n + 1):
        dist = [-1] * (n + 1)
        dist[start] = 0
        stack = [start]
        while stack:
            u = stack.pop()
            for v, w in adjacent[u]:
                if dist[v] < 0:
                    dist[v] = dist[u] + w
                    stack.append(v)
        answers.append(max(dist))
    print(" ".join(map(str, answers)))


main()
