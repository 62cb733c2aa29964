#!/usr/bin/env python3
# Checks one "Farthest Village" input file (argv[1]): ranges and that the roads form a tree.
# Exit 0 = valid, else a reason on stderr.
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
    if not 2 <= n <= 10**4 or len(lines) != n:
        fail("n out of range or wrong number of lines")
    parent = list(range(n + 1))

    def root(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for number, line in enumerate(lines[1:], start=2):
        values = [int(v) for v in line.split()]
        if len(values) != 3:
            fail("line %d: need u v w" % number)
        u, v, w = values
        if not (1 <= u <= n and 1 <= v <= n and u != v and 1 <= w <= 10**6):
            fail("line %d: value out of range" % number)
        ru, rv = root(u), root(v)
        if ru == rv:
            fail("line %d: road closes a cycle" % number)
        parent[ru] = rv


main()
