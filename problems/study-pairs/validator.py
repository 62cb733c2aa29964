#!/usr/bin/env python3
# Checks one "Study Pairs" input file (argv[1]); exit 0 = valid, else a reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if len(lines) != 3 or lines[2] != "":
        fail("expected exactly two lines")
    n, s = (int(v) for v in lines[0].split())
    if not (1 <= n <= 10**5 and 1 <= s <= 2 * 10**5):
        fail("n or s out of range")
    skills = [int(v) for v in lines[1].split()]
    if len(skills) != n or not all(1 <= a <= 10**5 for a in skills):
        fail("need n skills in [1, 10^5]")


main()
