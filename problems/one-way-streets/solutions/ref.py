# Reference: 0-1 BFS with a deque.
import sys
from collections import deque


def main():
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    adjacent = [[] for _ in range(n + 1)]
    for i in range(m):
        u, v = int(data[2 + 2 * i]), int(data[3 + 2 * i])
        adjacent[u].append((v, 0))
        adjacent[v].append((u, 1))
    dist = [-1] * (n + 1)
    done = bytearray(n + 1)
    dist[1] = 0
    frontier = deque([1])
    while frontier:
        u = frontier.popleft()
        if done[u]:
            continue
        done[u] = 1
        base = dist[u]
        for v, cost in adjacent[u]:
            candidate = base + cost
            if dist[v] == -1 or candidate < dist[v]:
                dist[v] = candidate
                if cost:
                    frontier.append(v)
                else:
                    frontier.appendleft(v)
    print(dist[n])


main()
