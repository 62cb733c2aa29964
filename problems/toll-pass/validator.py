#!/usr/bin/env python3
# Checks one "Toll Pass" input file (argv[1]); exit 0 = valid, else a reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    lines = open(sys.argv[1]).read().split("\n")
    if lines[-1] != "":
        fail("file must end with a newline")
    lines.pop()
    n, m = (int(v) for v in lines[0].split())
    if not (2 <= n <= 10**4 and 0 <= m <= 2 * 10**4) or len(lines) != m + 1:
        fail("n or m out of range, or wrong number of lines")
    for number, line in enumerate(lines[1:], start=2):
        values = [int(v) for v in line.split()]
        if len(values) != 3:
            fail("line %d: need u v c" % number)
        u, v, c = values
        if not (1 <= u <= n and 1 <= v <= n and u != v and 1 <= c <= 10**9):
            fail("line %d: value out of range" % number)


main()
