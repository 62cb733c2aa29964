#!/usr/bin/env python3
# Checks one "Delivery Days" input file (argv[1]); exit 0 = valid, else a reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if len(lines) != 3 or lines[2] != "":
        fail("expected exactly two lines")
    n, k = (int(v) for v in lines[0].split())
    if not 1 <= k <= n <= 5 * 10**4:
        fail("need 1 <= k <= n <= 5*10^4")
    weights = [int(v) for v in lines[1].split()]
    if len(weights) != n or not all(1 <= w <= 10**4 for w in weights):
        fail("need n weights in [1, 10^4]")


main()
