# Correct but quadratic: the answer is the largest (x_j - x_i) / (v_i + v_j) over all pairs.
import sys


def main():
    data = sys.stdin.read().split()
    n = int(data[0])
    stations = [(int(data[1 + 2 * i]), int(data[2 + 2 * i])) for i in range(n)]
    best = 0.0
    for i in range(n):
        xi, vi = stations[i]
        for j in range(n):
            xj, vj = stations[j]
            best = max(best, (xj - xi) / (vi + vj))
    print("%.9f" % best)


main()
