# Reference: binary search on the time T; the reach intervals [x - T v, x + T v] must intersect.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    xs = [float(v) for v in data[1:2 * n + 1:2]]
    vs = [float(v) for v in data[2:2 * n + 2:2]]
    pairs = list(zip(xs, vs))
    lo, hi = 0.0, 4e6
    for _ in range(64):
        mid = (lo + hi) / 2
        left = max([x - mid * v for x, v in pairs])
        right = min([x + mid * v for x, v in pairs])
        if left <= right:
            hi = mid
        else:
            lo = mid
    print("%.9f" % hi)


main()
