# Correct but quadratic: tests each suffix for being a palindrome, letter by letter.
import sys


def main():
    s = sys.stdin.readline().strip()
    n = len(s)
    for start in range(n):
        left, right = start, n - 1
        while left < right and s[left] == s[right]:
            left += 1
            right -= 1
        if left >= right:
            print(s + s[:start][::-1])
            return


main()
