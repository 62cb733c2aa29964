#!/usr/bin/env python3
# Checks one "Exactly One Divisor" input file (argv[1]); exit 0 = valid, else a reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if lines[-1] != "":
        fail("file must end with a newline")
    lines.pop()
    t = int(lines[0])
    if not 1 <= t <= 10**4 or len(lines) != t + 1:
        fail("t out of range or wrong number of lines")
    for number, line in enumerate(lines[1:], start=2):
        values = [int(v) for v in line.split()]
        if len(values) != 3 or not all(1 <= v <= 10**18 for v in values):
            fail("line %d: need three integers in [1, 10^18]" % number)


main()
