# Correct but slow: Dijkstra that finds the next state by scanning all states, O(n^2).
import sys


def main():
    data = sys.stdin.read().split()
    n, m = int(data[0]), int(data[1])
    roads = [[] for _ in range(n + 1)]
    for i in range(m):
        u, v, c = int(data[2 + 3 * i]), int(data[3 + 3 * i]), int(data[4 + 3 * i])
        roads[u].append((v, c))
        roads[v].append((u, c))
    infinity = float("inf")
    states = 2 * (n + 1)
    best = [infinity] * states
    done = [False] * states
    best[2] = 0
    for _ in range(states):
        state, cost = -1, infinity
        for s in range(states):
            if not done[s] and best[s] < cost:
                state, cost = s, best[s]
        if state < 0:
            break
        done[state] = True
        city, used = state // 2, state % 2
        for to, toll in roads[city]:
            best[to * 2 + used] = min(best[to * 2 + used], cost + toll)
            if not used:
                best[to * 2 + 1] = min(best[to * 2 + 1], cost)
    answer = min(best[2 * n], best[2 * n + 1])
    print(answer if answer != infinity else -1)


main()
