#!/usr/bin/env python3
# Checks one "Summit Search" interactor input (argv[1]): "n summit seed", and with seed 0 the n
# explicit heights, which must be distinct, in [1, 10^9] and rise strictly to the summit and
# then fall strictly. Exit 0 = valid, else a reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if lines[-1] != "":
        fail("file must end with a newline")
    lines.pop()
    n, summit, seed = (int(v) for v in lines[0].split())
    if not (1 <= n <= 10**5 and 1 <= summit <= n and 0 <= seed < 2**64):
        fail("n, summit or seed out of range")
    if seed != 0:
        if len(lines) != 1:
            fail("generated ridges have no explicit heights")
        return
    if len(lines) != 2:
        fail("seed 0 needs one line of heights")
    heights = [int(v) for v in lines[1].split()]
    if len(heights) != n or not all(1 <= h <= 10**9 for h in heights):
        fail("need n heights in [1, 10^9]")
    for i in range(1, n):
        rising = heights[i - 1] < heights[i]
        if rising != (i < summit):
            fail("heights do not rise strictly to point %d and then fall strictly" % summit)


main()
