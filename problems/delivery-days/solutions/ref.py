# Reference: binary search on the answer. The answer lies in
# [max(heaviest, ceil(total / k)), that + heaviest], and each check jumps over a whole day with
# bisect on prefix sums, stopping as soon as more than k days are needed.
import sys
from bisect import bisect_right


def main():
    data = sys.stdin.buffer.read().split()
    n, k = int(data[0]), int(data[1])
    w = list(map(int, data[2:2 + n]))
    prefix = [0] * (n + 1)
    running = 0
    for i, x in enumerate(w):
        running += x
        prefix[i + 1] = running
    heaviest = max(w)

    def fits(cap):
        position, days = 0, 0
        while position < n:
            days += 1
            if days > k:
                return False
            position = bisect_right(prefix, prefix[position] + cap) - 1
        return True

    lo = max(heaviest, (running + k - 1) // k)
    hi = lo + heaviest
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    print(lo)


main()
