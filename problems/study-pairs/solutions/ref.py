# Reference: two pointers over the sorted skills.
import sys


def main():
    data = sys.stdin.buffer.read().split()
    n, s = int(data[0]), int(data[1])
    a = sorted(map(int, data[2:2 + n]))
    weak, strong, pairs = 0, n - 1, 0
    while weak < strong:
        if a[weak] + a[strong] >= s:
            pairs += 1
            strong -= 1
        weak += 1
    print(pairs)


main()
