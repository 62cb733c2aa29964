#!/usr/bin/env python3
# Writes tests/*.in for "Toll Pass" (answers come from solutions/ref.cpp). Fixed seed.
# The first large test comes early on purpose: solutions that build an n x n table run out of
# memory there rather than spending their time on mid-sized tests first.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 10**4
MAX_M = 2 * 10**4
MAX_C = 10**9


def write(index, n, roads):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d\n" % (n, len(roads)))
        f.write("".join("%d %d %d\n" % r for r in roads))


def random_roads(rng, n, m, low, high):
    roads = []
    for _ in range(m):
        u = rng.randint(1, n)
        v = rng.randint(1, n - 1)
        roads.append((u, v if v < u else v + 1, rng.randint(low, high)))
    return roads


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(1337)
    write(1, 4, [(1, 2, 10), (2, 4, 10), (1, 3, 1000), (3, 4, 1)])
    write(2, 3, [(1, 2, 5)])
    write(3, 2, [(2, 1, 7)])
    write(4, 5, [(1, 2, 3), (2, 3, 3), (3, 5, 3), (1, 4, 1), (4, 5, 8), (2, 5, 20)])
    write(5, MAX_N, random_roads(rng, MAX_N, MAX_M, 1, MAX_C))
    write(6, 8, random_roads(rng, 8, 12, 1, 20))
    write(7, 100, random_roads(rng, 100, 300, 1, 1000))
    # a long chain of expensive roads: totals far beyond 32 bits
    chain = [(i, i + 1, MAX_C - rng.randint(0, 1000)) for i in range(1, MAX_N)]
    rng.shuffle(chain)
    write(8, MAX_N, chain)
    # cheap long detours against a two-road shortcut of very expensive roads
    layered = random_roads(rng, MAX_N, MAX_M // 2, 1, 1000) + [(1, 2, MAX_C), (2, MAX_N, MAX_C)]
    rng.shuffle(layered)
    write(9, MAX_N, layered)
    write(10, MAX_N, random_roads(rng, MAX_N, MAX_N // 2, 1, MAX_C))  # likely unreachable
    write(11, 2000, random_roads(rng, 2000, MAX_M // 2, 1, 10))


if __name__ == "__main__":
    main()
