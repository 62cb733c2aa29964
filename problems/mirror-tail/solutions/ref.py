# Reference: prefix function of reverse(s) + '#' + s finds the longest palindromic suffix.
import sys


def main():
    s = sys.stdin.readline().strip()
    joined = s[::-1] + "#" + s
    border = [0] * len(joined)
    k = 0
    for i in range(1, len(joined)):
        c = joined[i]
        while k and c != joined[k]:
            k = border[k - 1]
        if c == joined[k]:
            k += 1
        border[i] = k
    keep = len(s) - border[-1]
    print(s + s[:keep][::-1])


main()
