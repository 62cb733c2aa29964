# Crashes: memoised recursion goes one call per step, far past Python's recursion limit.
import sys
from functools import lru_cache


def main():
    data = sys.stdin.buffer.read().split()
    n, m, b = int(data[0]), int(data[1]), int(data[2])
    lengths = [int(x) for x in data[3:3 + m]]
    broken = set(int(x) for x in data[3 + m:3 + m + b])
    mod = 10**9 + 7

    @lru_cache(maxsize=None)
    def ways(step):
        if step == 0:
            return 1
        if step in broken:
            return 0
        return sum(ways(step - d) for d in lengths if d <= step) % mod

    print(ways(n))


main()
