#!/usr/bin/env python3
# Writes tests/*.in for "Fair Roads" (answers come from solutions/ref.cpp; the checker accepts any
# fair plan). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 2 * 10**4
MAX_M = 2 * 10**4


def write(index, n, roads):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d\n" % (n, len(roads)))
        f.write("".join("%d %d\n" % r for r in roads))


def random_roads(rng, n, m):
    roads = []
    for _ in range(m):
        u = rng.randint(1, n)
        v = rng.randint(1, n - 1)
        roads.append((u, v if v < u else v + 1))
    return roads


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(6174)
    write(1, 4, [(1, 2), (2, 3), (3, 1), (3, 4), (1, 4)])
    write(2, 2, [(1, 2)])
    write(3, 2, [(1, 2), (2, 1), (1, 2)])
    write(4, 3, [(1, 2), (1, 3), (2, 3)])
    write(5, 5, [(1, 2), (1, 3), (1, 4), (1, 5), (2, 3), (4, 5)])
    write(6, 10, random_roads(rng, 10, 40))
    write(7, 1000, random_roads(rng, 1000, 3000))
    write(8, MAX_N, random_roads(rng, MAX_N, MAX_M))
    # one long cycle, labels shuffled: a recursive walk goes m calls deep
    label = list(range(1, MAX_N + 1))
    rng.shuffle(label)
    cycle = [(label[i], label[(i + 1) % MAX_N]) for i in range(MAX_N)]
    rng.shuffle(cycle)
    write(9, MAX_N, cycle)
    # few towns, many parallel roads
    write(10, 50, random_roads(rng, 50, MAX_M))
    # a star with a ring around it
    hub = [(1, i) for i in range(2, 5001)] + [(i, i + 1) for i in range(2, 5000)]
    rng.shuffle(hub)
    write(11, 5000, hub)


if __name__ == "__main__":
    main()
