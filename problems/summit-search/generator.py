#!/usr/bin/env python3
# Writes tests/*.in for the interactive "Summit Search": "n summit seed", where the interactor
# generates the ridge from the seed (seed 0: the heights follow explicitly). The .ans files are
# empty. Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 10**5


def write(index, n, summit, seed, heights=None):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d %d\n" % (n, summit, seed))
        if heights is not None:
            f.write(" ".join(map(str, heights)) + "\n")
    open(os.path.join(TESTS, "%02d.ans" % index), "w").close()


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(8848)
    write(1, 5, 3, 0, [1, 4, 7, 3, 2])
    write(2, 1, 1, 0, [500])
    write(3, 2, 1, 0, [9, 3])
    write(4, 2, 2, 0, [3, 9])
    write(5, 3, 3, 0, [1, 2, 3])
    write(6, 50, 1, rng.randint(1, 2**62))
    write(7, 50, 50, rng.randint(1, 2**62))
    index = 8
    for n, summit in [(MAX_N, 1), (MAX_N, MAX_N), (MAX_N, MAX_N - 1), (MAX_N, 2),
                      (MAX_N, rng.randint(1, MAX_N)), (MAX_N, rng.randint(1, MAX_N)),
                      (65536, 65536), (1000, rng.randint(1, 1000)), (7, 4)]:
        write(index, n, summit, rng.randint(1, 2**62))
        index += 1


if __name__ == "__main__":
    main()
