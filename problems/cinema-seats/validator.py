#!/usr/bin/env python3
# Checks one "Cinema Seats" input file (path in argv[1]): limits, syntax, and that every
# "- x" frees an occupied seat. Exit 0 = valid; otherwise a one-line reason on stderr.
import sys


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main():
    with open(sys.argv[1]) as f:
        lines = f.read().split("\n")
    header = lines[0].split()
    if len(header) != 2:
        fail("first line must hold n and q")
    n, q = int(header[0]), int(header[1])
    if not (1 <= n <= 10**5 and 1 <= q <= 2 * 10**4):
        fail("n or q out of range")
    if len(lines) < q + 1 or any(line.strip() for line in lines[q + 1:]):
        fail("expected exactly q event lines")
    tree = [0] + [i & -i for i in range(1, n + 1)]
    taken = bytearray(n + 1)
    free_seats = n
    high_bit = 1 << (n.bit_length() - 1)

    def add(position, delta):
        while position <= n:
            tree[position] += delta
            position += position & -position

    for number, line in enumerate(lines[1:q + 1], start=2):
        parts = line.split(" ")
        if len(parts) != 2 or parts[0] not in ("+", "-") or not parts[1].isdigit():
            fail("line %d: malformed event" % number)
        value = int(parts[1])
        if parts[0] == "-":
            if not (1 <= value <= n) or not taken[value]:
                fail("line %d: seat %d is not occupied" % (number, value))
            taken[value] = 0
            add(value, 1)
            free_seats += 1
            continue
        if not (1 <= value <= 10**5):
            fail("line %d: k out of range" % number)
        if value > free_seats:
            continue
        position, remaining, step = 0, value, high_bit
        while step:
            if position + step <= n and tree[position + step] < remaining:
                position += step
                remaining -= tree[position]
            step >>= 1
        taken[position + 1] = 1
        add(position + 1, -1)
        free_seats -= 1


main()
