# Crashes: the same walk idea, written recursively; a long cycle exceeds the recursion limit.
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
    plan = bytearray(b"0" * m)

    def walk(town):
        for road in roads_at[town]:
            if not used[road]:
                used[road] = 1
                if ends_a[road] == town:
                    walk(ends_b[road])
                else:
                    if road < m:
                        plan[road] = ord("1")
                    walk(ends_a[road])
                return

    for start in range(n + 1):
        while any(not used[r] for r in roads_at[start]):
            walk(start)
    print(plan.decode())


main()
