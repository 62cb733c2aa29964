# Correct but quadratic: for each strongest student, scans the sorted list for the weakest partner.
import sys


def main():
    data = sys.stdin.read().split()
    n, s = int(data[0]), int(data[1])
    a = sorted(int(x) for x in data[2:2 + n])
    used = [False] * n
    pairs = 0
    for strong in range(n - 1, -1, -1):
        if used[strong]:
            continue
        for weak in range(strong):
            if not used[weak] and a[weak] + a[strong] >= s:
                used[weak] = used[strong] = True
                pairs += 1
                break
    print(pairs)


main()
