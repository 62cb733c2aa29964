#!/usr/bin/env python3
# Writes tests/*.in for "Compact Log" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_LEN = 10**5


def write(index, text):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write(text + "\n")


def runs(rng, length, max_run, alphabet):
    parts = []
    total = 0
    previous = ""
    while total < length:
        letter = rng.choice([c for c in alphabet if c != previous] or alphabet)
        size = min(rng.randint(1, max_run), length - total)
        parts.append(letter * size)
        total += size
        previous = letter
    return "".join(parts)


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(7001)
    write(1, "aaabccdddd")
    write(2, "xyz")
    write(3, "a")
    write(4, "zz")
    write(5, "abbbbbbbbbbc")  # a run of length 10 needs two digits
    write(6, "a" * MAX_LEN)
    write(7, "ab" * (MAX_LEN // 2))
    write(8, "qq" + "w" * 99 + "e" * 100 + "r" * 1000 + "t")
    write(9, runs(rng, MAX_LEN, 3, "ab"))
    write(10, runs(rng, MAX_LEN, 30, "abcdefghijklmnopqrstuvwxyz"))
    write(11, runs(rng, MAX_LEN, 5000, "xyz"))
    write(12, runs(rng, 1000, 2, "abcdefghijklmnopqrstuvwxyz") + "kk")


if __name__ == "__main__":
    main()
