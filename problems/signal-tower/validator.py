#!/usr/bin/env python3
# Checks one "Signal Tower" input file (argv[1]); exit 0 = valid, else a reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if lines[-1] != "":
        fail("file must end with a newline")
    lines.pop()
    n = int(lines[0])
    if not 1 <= n <= 2 * 10**4 or len(lines) != n + 1:
        fail("n out of range or wrong number of lines")
    for number, line in enumerate(lines[1:], start=2):
        values = [int(v) for v in line.split()]
        if len(values) != 2 or not (-10**6 <= values[0] <= 10**6 and 1 <= values[1] <= 1000):
            fail("line %d: need x in [-10^6, 10^6] and v in [1, 1000]" % number)


main()
