# Correct but far too slow: walks over every house number.
import sys


def main():
    data = sys.stdin.read().split()
    t = int(data[0])
    for i in range(t):
        n, a, b = int(data[1 + 3 * i]), int(data[2 + 3 * i]), int(data[3 + 3 * i])
        count = 0
        for house in range(1, n + 1):
            if (house % a == 0) != (house % b == 0):
                count += 1
        print(count)


main()
