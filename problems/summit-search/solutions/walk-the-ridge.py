# Wrong: walks east measuring every point until the ridge falls; far more than 40 measurements.
import sys


def main():
    n = int(sys.stdin.readline())
    previous = -1
    for point in range(1, n + 1):
        sys.stdout.write("? %d\n" % point)
        sys.stdout.flush()
        height = int(sys.stdin.readline())
        if height == -1:
            return
        if height < previous:
            print("! %d" % (point - 1), flush=True)
            return
        previous = height
    print("! %d" % n, flush=True)


main()
