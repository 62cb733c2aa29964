#!/usr/bin/env python3
# Writes tests/*.in for "Exactly One Divisor" (answers come from solutions/ref.cpp).
# Fixed seeds: rerunning reproduces the committed tests byte for byte.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
LIMIT = 10**18


def write(index, cases):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d\n" % len(cases))
        for n, a, b in cases:
            f.write("%d %d %d\n" % (n, a, b))


def main():
    os.makedirs(TESTS, exist_ok=True)
    write(1, [(10, 2, 3), (12, 4, 6), (5, 7, 9), (100, 5, 5)])
    # edge cases: a == b, one divides the other, divisors above n, lcm far above 10^18
    write(2, [(1, 1, 1), (1, 1, 2), (1, 2, 1), (LIMIT, 1, 1), (LIMIT, 1, LIMIT),
              (LIMIT, LIMIT, LIMIT), (LIMIT, 2, 4), (LIMIT, 999999999989, 999999999959),
              (LIMIT, 10**9 + 7, 10**9 + 9), (LIMIT, 3 * 10**17, 4 * 10**17),
              (LIMIT - 1, 10**18 - 1, 10**18 - 2), (7, 8, 9), (6, 2, 3)])
    rng = random.Random(20241)
    for index in range(3, 8):
        cases = []
        for _ in range(10**4 if index == 7 else 2000):
            n = rng.randint(1, 10 ** rng.randint(1, 18))
            a = rng.randint(1, 10 ** rng.randint(0, 18))
            if rng.random() < 0.3:
                b = a * rng.randint(1, 10)
            elif rng.random() < 0.3:
                g = rng.randint(1, 10**6)
                a = g * rng.randint(1, 10**6)
                b = g * rng.randint(1, 10**6)
            else:
                b = rng.randint(1, 10 ** rng.randint(0, 18))
            cases.append((n, min(a, LIMIT), min(b, LIMIT)))
        write(index, cases)
    # small n so that answers are non-zero often, and a brute force finishes per case
    write(8, [(rng.randint(1, 10**6), rng.randint(1, 1000), rng.randint(1, 1000)) for _ in range(10**4)])


if __name__ == "__main__":
    main()
