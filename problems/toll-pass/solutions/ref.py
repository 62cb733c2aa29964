# Reference: Dijkstra on (city, pass used) states with heapq.
import sys
from heapq import heappop, heappush


def main():
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    roads = [[] for _ in range(n + 1)]
    for i in range(m):
        u, v, c = int(data[2 + 3 * i]), int(data[3 + 3 * i]), int(data[4 + 3 * i])
        roads[u].append((v, c))
        roads[v].append((u, c))
    best = [-1] * (2 * (n + 1))  # state = city * 2 + pass_used
    best[2] = 0
    queue = [(0, 2)]
    while queue:
        cost, state = heappop(queue)
        if cost != best[state]:
            continue
        city, used = state >> 1, state & 1
        for to, toll in roads[city]:
            target = to * 2 + used
            candidate = cost + toll
            if best[target] < 0 or candidate < best[target]:
                best[target] = candidate
                heappush(queue, (candidate, target))
            if not used:
                target = to * 2 + 1
                if best[target] < 0 or cost < best[target]:
                    best[target] = cost
                    heappush(queue, (cost, target))
    reached = [c for c in (best[2 * n], best[2 * n + 1]) if c >= 0]
    print(min(reached) if reached else -1)


main()
