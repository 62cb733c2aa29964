# Reference: itertools.groupby gives the maximal runs directly.
import sys
from itertools import groupby


def main():
    s = sys.stdin.readline().strip()
    parts = []
    for letter, group in groupby(s):
        size = sum(1 for _ in group)
        parts.append(letter if size == 1 else letter + str(size))
    print("".join(parts))


main()
