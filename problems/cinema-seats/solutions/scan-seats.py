# Correct but slow: walks the row seat by seat for every visitor, O(n) per event.
import sys


def main():
    data = sys.stdin.read().split()
    n, q = int(data[0]), int(data[1])
    taken = [False] * (n + 1)
    free_seats = n
    out = []
    for e in range(q):
        kind, value = data[2 + 2 * e], int(data[3 + 2 * e])
        if kind == "-":
            taken[value] = False
            free_seats += 1
            continue
        if value > free_seats:
            out.append(-1)
            continue
        count = 0
        for seat in range(1, n + 1):
            if not taken[seat]:
                count += 1
                if count == value:
                    break
        taken[seat] = True
        free_seats -= 1
        out.append(seat)
    print("\n".join(map(str, out)))


main()
