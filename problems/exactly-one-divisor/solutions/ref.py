# Reference: inclusion-exclusion with exact big integers.
import sys
from math import gcd


def main():
    data = sys.stdin.buffer.read().split()
    t = int(data[0])
    out = []
    for i in range(t):
        n, a, b = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
        lcm = a // gcd(a, b) * b
        out.append(n // a + n // b - 2 * (n // lcm))
    sys.stdout.write("\n".join(map(str, out)) + "\n")


main()
