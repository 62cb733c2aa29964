# Reference: even out degrees through a virtual town 0, then orient roads along walks that only
# stop where they started, so every walk is balanced.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, m = int(data[0]), int(data[1])
    ends_a = [int(x) for x in data[2:2 + 2 * m:2]]
    ends_b = [int(x) for x in data[3:3 + 2 * m:2]]
    degree = [0] * (n + 1)
    for a, b in zip(ends_a, ends_b):
        degree[a] += 1
        degree[b] += 1
    for town in range(1, n + 1):
        if degree[town] & 1:
            ends_a.append(0)
            ends_b.append(town)
    roads_at = [[] for _ in range(n + 1)]
    for road, (a, b) in enumerate(zip(ends_a, ends_b)):
        roads_at[a].append(road)
        roads_at[b].append(road)
    used = bytearray(len(ends_a))
    pointer = [0] * (n + 1)
    plan = bytearray(b"0" * m)
    for start in range(n + 1):
        town = start
        while True:
            roads = roads_at[town]
            p = pointer[town]
            while p < len(roads) and used[roads[p]]:
                p += 1
            pointer[town] = p
            if p == len(roads):
                break
            road = roads[p]
            used[road] = 1
            if ends_a[road] == town:
                town = ends_b[road]
            else:
                if road < m:
                    plan[road] = ord("1")
                town = ends_a[road]
    print(plan.decode())


main()
