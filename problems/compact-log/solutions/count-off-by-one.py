# Wrong: prints a count for every run, including runs of length one.
import sys
from itertools import groupby


def main():
    s = sys.stdin.readline().strip()
    print("".join(letter + str(sum(1 for _ in group)) for letter, group in groupby(s)))


main()
