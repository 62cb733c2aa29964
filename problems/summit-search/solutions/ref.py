# Reference: binary search on the slope between neighbouring points.
import sys


def measure(point):
    sys.stdout.write("? %d\n" % point)
    sys.stdout.flush()
    height = int(sys.stdin.readline())
    if height < 0:
        sys.exit(0)
    return height


def main():
    n = int(sys.stdin.readline())
    lo, hi = 1, n
    while lo < hi:
        mid = (lo + hi) // 2
        if measure(mid) < measure(mid + 1):
            lo = mid + 1
        else:
            hi = mid
    sys.stdout.write("! %d\n" % lo)
    sys.stdout.flush()


main()
