#!/usr/bin/env python3
# Writes tests/*.in for "Farthest Village" (answers come from solutions/ref.cpp). Fixed seed.
# Village labels are shuffled so that no solution can rely on the generation order.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 10**4
MAX_W = 10**6


def write(index, n, roads):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d\n" % n)
        f.write("".join("%d %d %d\n" % r for r in roads))


def relabel(rng, n, parent_edges):
    label = list(range(1, n + 1))
    rng.shuffle(label)
    roads = []
    for child, parent, weight in parent_edges:
        a, b = label[child], label[parent]
        roads.append((a, b, weight) if rng.random() < 0.5 else (b, a, weight))
    rng.shuffle(roads)
    return roads


def random_tree(rng, n, max_w, spread):
    # spread = how far back a new vertex may attach: small spread gives deep trees
    return relabel(rng, n, [(i, rng.randint(max(0, i - spread), i - 1), rng.randint(1, max_w))
                            for i in range(1, n)])


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(2718)
    write(1, 4, [(1, 2, 3), (2, 3, 4), (2, 4, 10)])
    write(2, 2, [(2, 1, 7)])
    write(3, 3, [(1, 2, 1), (1, 3, 1)])
    # the far end seen from village 1 is not where every village's farthest path ends
    write(4, 6, [(1, 2, 1), (2, 3, 100), (2, 4, 99), (4, 5, 1), (1, 6, 50)])
    write(5, 50, random_tree(rng, 50, 20, 50))
    write(6, 1000, random_tree(rng, 1000, MAX_W, 1000))
    write(7, MAX_N, random_tree(rng, MAX_N, MAX_W, 3))
    write(8, MAX_N, random_tree(rng, MAX_N, MAX_W, MAX_N))
    write(9, 6000, relabel(rng, 6000, [(i, i - 1, MAX_W) for i in range(1, 6000)]))
    star = [(i, 0, rng.randint(1, MAX_W)) for i in range(1, 3000)]
    write(10, 3000, relabel(rng, 3000, star))


if __name__ == "__main__":
    main()
