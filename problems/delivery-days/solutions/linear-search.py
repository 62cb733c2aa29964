# Correct but slow: tries every capacity upwards from the heaviest parcel, O(n) per try.
import sys


def main():
    data = sys.stdin.read().split()
    n, k = int(data[0]), int(data[1])
    w = [int(x) for x in data[2:2 + n]]
    cap = max(w)
    while True:
        days, load = 1, 0
        for x in w:
            if load + x > cap:
                days += 1
                load = 0
            load += x
        if days <= k:
            print(cap)
            return
        cap += 1


main()
