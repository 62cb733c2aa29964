# Reference: bottom-up dp over the steps.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, m, b = int(data[0]), int(data[1]), int(data[2])
    lengths = [int(x) for x in data[3:3 + m]]
    broken = bytearray(n + 1)
    for x in data[3 + m:3 + m + b]:
        broken[int(x)] = 1
    mod = 10**9 + 7
    ways = [0] * (n + 1)
    ways[0] = 1
    for i in range(1, n + 1):
        if not broken[i]:
            ways[i] = sum([ways[i - d] for d in lengths if d <= i]) % mod
    print(ways[n])


main()
