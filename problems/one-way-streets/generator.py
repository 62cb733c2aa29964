#!/usr/bin/env python3
# Writes tests/*.in for "One-Way Streets" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX = 2 * 10**4


def write(index, n, streets):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d\n" % (n, len(streets)))
        f.write("".join("%d %d\n" % s for s in streets))


def random_graph(rng, n, m):
    streets = []
    for _ in range(m):
        u = rng.randint(1, n)
        v = rng.randint(1, n - 1)
        streets.append((u, v if v < u else v + 1))
    return streets


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(8086)
    write(1, 5, [(1, 2), (3, 2), (3, 4), (5, 4), (5, 2)])
    write(2, 4, [(1, 2), (4, 3)])
    write(3, 2, [])
    write(4, 2, [(2, 1), (2, 1)])
    # a long free detour beats a short route that needs reversals (BFS order gets this wrong)
    write(5, 6, [(2, 1), (6, 2), (1, 3), (3, 4), (4, 5), (5, 6)])
    write(6, 7, [(1, 2), (2, 3), (3, 7), (1, 4), (5, 4), (5, 6), (7, 6)])
    write(7, 60, random_graph(rng, 60, 90))
    write(8, 1000, random_graph(rng, 1000, 1500))
    write(9, MAX, random_graph(rng, MAX, MAX))
    write(10, MAX, random_graph(rng, MAX, MAX // 2))
    # one long chain listed from the far end, every third street reversed: Bellman-Ford needs
    # one full round per crossing
    chain = [(i, i + 1) if i % 3 else (i + 1, i) for i in range(MAX - 1, 0, -1)]
    write(11, MAX, chain)
    # a fully reversed chain (every street must be turned) plus one extra street into crossing 1
    back = [(i + 1, i) for i in range(1, MAX)]
    back.append((rng.randint(2, MAX), 1))
    rng.shuffle(back)
    write(12, MAX, back)


if __name__ == "__main__":
    main()
