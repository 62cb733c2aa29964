#!/usr/bin/env python3
# Writes tests/*.in for "Delivery Days" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")


def write(index, k, weights):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d\n%s\n" % (len(weights), k, " ".join(map(str, weights))))


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(4242)
    write(1, 2, [7, 2, 5, 10, 8])
    write(2, 3, [1, 1, 9, 1])
    write(3, 1, [5])
    write(4, 2, [10, 1])  # one parcel heavier than any wrong candidate below it
    write(5, 3, [10000] * 3)
    write(6, 1, [rng.randint(1, 10**4) for _ in range(1000)])
    for index, (n, k, high) in enumerate([
            (40000, 1, 10**4), (20000, 7, 10**4), (20000, 20000, 10**4),
            (20000, 10000, 10**4), (50000, 3, 100), (20000, 200, 10**4)], start=7):
        write(index, k, [rng.randint(1, high) for _ in range(n)])
    # one very heavy parcel among light ones
    weights = [rng.randint(1, 10) for _ in range(30000)]
    weights[rng.randrange(30000)] = 10**4
    write(13, 20000, weights)


if __name__ == "__main__":
    main()
