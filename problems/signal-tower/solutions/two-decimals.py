# Right method, but prints only two decimals, which is too coarse for small answers.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n = int(data[0])
    pairs = [(float(data[1 + 2 * i]), float(data[2 + 2 * i])) for i in range(n)]
    lo, hi = 0.0, 4e6
    for _ in range(64):
        mid = (lo + hi) / 2
        left = max([x - mid * v for x, v in pairs])
        right = min([x + mid * v for x, v in pairs])
        if left <= right:
            hi = mid
        else:
            lo = mid
    print("%.2f" % hi)


main()
