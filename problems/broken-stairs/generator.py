#!/usr/bin/env python3
# Writes tests/*.in for "Broken Stairs" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 10**5


def write(index, n, lengths, broken):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d %d\n" % (n, len(lengths), len(broken)))
        f.write(" ".join(map(str, lengths)) + "\n")
        f.write(" ".join(map(str, broken)) + "\n")


def random_case(rng, n, m, broken_count, max_length):
    lengths = rng.sample(range(1, min(n, max_length) + 1), min(m, n, max_length))
    broken = rng.sample(range(1, n), min(broken_count, n - 1))
    return n, lengths, broken


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(5150)
    write(1, 5, [1, 2], [3])
    write(2, 6, [2, 4], [])
    write(3, 1, [1], [])
    write(4, 7, [2], [])  # odd landing with only even jumps: no way at all
    write(5, 10, [1, 2, 3], list(range(1, 10)))  # only a direct jump could work, and none fits
    write(6, 10, [10, 1], [5])
    write(7, 30, [1, 2], [])
    write(8, *random_case(rng, 1000, 3, 100, 5))
    write(9, MAX_N, list(range(1, 11)), [])
    write(10, MAX_N, [1, 2], [])
    write(11, *random_case(rng, MAX_N, 10, 20000, 20))
    write(12, *random_case(rng, MAX_N, 10, 1000, MAX_N))
    write(13, *random_case(rng, 99991, 5, 5, 3))


if __name__ == "__main__":
    main()
