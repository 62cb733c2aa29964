#!/usr/bin/env python3
# Checks one "Broken Stairs" input file (argv[1]); exit 0 = valid, else a reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if len(lines) != 4 or lines[3] != "":
        fail("expected exactly three lines")
    n, m, b = (int(v) for v in lines[0].split())
    if not (1 <= n <= 10**5 and 1 <= m <= 10 and 0 <= b < n):
        fail("n, m or b out of range")
    lengths = [int(v) for v in lines[1].split()]
    if len(lengths) != m or len(set(lengths)) != m or not all(1 <= d <= n for d in lengths):
        fail("need m distinct jump lengths in [1, n]")
    broken = [int(v) for v in lines[2].split()]
    if len(broken) != b or len(set(broken)) != b or not all(1 <= x <= n - 1 for x in broken):
        fail("need b distinct broken steps in [1, n - 1]")


main()
