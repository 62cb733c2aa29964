#!/usr/bin/env python3
# Writes tests/*.in for "Study Pairs" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")


def write(index, s, skills):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d\n%s\n" % (len(skills), s, " ".join(map(str, skills))))


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(31337)
    write(1, 10, [1, 9, 5, 5, 3, 8])
    write(2, 100, [60, 45, 50, 10, 30])
    write(3, 5, [7])
    write(4, 200000, [100000, 100000])
    write(5, 200000, [100000, 99999])
    # adjacent greedy fails: pairing the two strongest wastes one of them
    write(6, 10, [9, 8, 2, 1])
    write(7, 2, [1] * 9)
    for index, (n, low, high, s) in enumerate([
            (1000, 1, 100, 100), (20000, 1, 10**5, 10**5), (50000, 1, 10**5, 150000),
            (30000, 1, 1000, 1000), (2000, 1, 10**5, 2)], start=8):
        write(index, s, [rng.randint(low, high) for _ in range(n)])
    # many weak students and few strong ones: the quadratic partner scan walks far each time
    weak = [rng.randint(1, 10) for _ in range(30000)]
    strong = [rng.randint(90000, 10**5) for _ in range(20000)]
    mixed = weak + strong
    rng.shuffle(mixed)
    write(13, 95000, mixed)


if __name__ == "__main__":
    main()
