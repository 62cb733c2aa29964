#!/usr/bin/env python3
# Writes tests/*.in for "Mirror Tail" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 10**5


def write(index, word):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write(word + "\n")


def random_word(rng, length, alphabet):
    return "".join(rng.choice(alphabet) for _ in range(length))


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(1221)
    write(1, "abcb")
    write(2, "race")
    write(3, "z")
    write(4, "abba")
    write(5, "ab")
    write(6, "aab")
    write(7, random_word(rng, 20, "ab"))
    write(8, random_word(rng, 1000, "abc"))
    write(9, random_word(rng, MAX_N, "abcdefghijklmnopqrstuvwxyz"))
    half = random_word(rng, MAX_N // 2, "ab")
    write(10, half + half[::-1])  # already a palindrome
    # a^m b a^l with m = 3l: every suffix check before the answer matches l letters first
    run = MAX_N // 4
    write(11, "a" * (3 * run - 1) + "b" + "a" * run)
    write(12, random_word(rng, MAX_N // 2 - 1000, "ab") + "c" * 1000)


if __name__ == "__main__":
    main()
