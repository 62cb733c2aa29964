# Crashes: compares s[i] with s[i + 1] without checking that i + 1 is inside the string.
import sys


def main():
    s = sys.stdin.readline().strip()
    parts = []
    count = 1
    i = 0
    while i < len(s):
        if s[i] == s[i + 1]:
            count += 1
        else:
            parts.append(s[i] if count == 1 else s[i] + str(count))
            count = 1
        i += 1
    print("".join(parts))


main()
