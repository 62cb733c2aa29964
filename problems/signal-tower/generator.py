#!/usr/bin/env python3
# Writes tests/*.in for "Signal Tower" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 2 * 10**4
MAX_X = 10**6


def write(index, stations):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d\n" % len(stations))
        f.write("".join("%d %d\n" % s for s in stations))


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(99)
    write(1, [(0, 1), (10, 1)])
    write(2, [(0, 3), (6, 1), (9, 2)])
    write(3, [(123, 7)])
    write(4, [(5, 2), (5, 9), (5, 1)])
    write(5, [(-MAX_X, 1), (MAX_X, 1)])
    write(6, [(-MAX_X, 1000), (MAX_X, 1), (0, 1)])
    write(7, [(0, 1), (1, 1000), (3, 7), (2, 3)])
    write(8, [(rng.randint(-100, 100), rng.randint(1, 10)) for _ in range(50)])
    write(9, [(rng.randint(-MAX_X, MAX_X), rng.randint(1, 1000)) for _ in range(MAX_N)])
    write(10, [(rng.randint(-1000, 1000), rng.randint(900, 1000)) for _ in range(MAX_N)])
    write(11, [(rng.randint(-MAX_X, MAX_X), 1) for _ in range(MAX_N)])
    clustered = [(rng.randint(0, 10), rng.randint(1, 1000)) for _ in range(MAX_N - 2)]
    clustered += [(-MAX_X, 1000), (MAX_X, 999)]
    rng.shuffle(clustered)
    write(12, clustered)


if __name__ == "__main__":
    main()
