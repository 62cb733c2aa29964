#!/usr/bin/env python3
# Writes tests/*.in for "Cinema Seats" (answers come from solutions/ref.cpp). Fixed seed.
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "tests")
MAX_N = 10**5
MAX_Q = 2 * 10**4


def write(index, n, events):
    with open(os.path.join(TESTS, "%02d.in" % index), "w") as f:
        f.write("%d %d\n" % (n, len(events)))
        f.write("".join("%s %d\n" % e for e in events))


def simulate(rng, n, q, leave_chance, pick):
    """Random events that keep the 'leave only an occupied seat' promise."""
    occupied = []
    taken = set()
    free_count = n
    events = []
    for _ in range(q):
        if occupied and rng.random() < leave_chance:
            slot = rng.randrange(len(occupied))
            seat = occupied[slot]
            occupied[slot] = occupied[-1]
            occupied.pop()
            taken.discard(seat)
            free_count += 1
            events.append(("-", seat))
        else:
            k = pick(rng, free_count)
            events.append(("+", k))
            if k <= free_count:
                seat = kth_free(taken, k)
                taken.add(seat)
                occupied.append(seat)
                free_count -= 1
    return events


def kth_free(taken, k):
    # sorting the taken seats per event is slow (about 20 s for all tests) but obviously right,
    # and the generator only runs when tests are rebuilt
    candidate = k
    for seat in sorted(taken):
        if seat <= candidate:
            candidate += 1
        else:
            break
    return candidate


def main():
    os.makedirs(TESTS, exist_ok=True)
    rng = random.Random(1812)
    write(1, 5, [("+", 2), ("+", 2), ("+", 1), ("-", 3), ("+", 3), ("+", 3), ("+", 1)])
    write(2, 1, [("+", 1), ("+", 1), ("-", 1), ("+", 2), ("+", 1)])
    # k-th free seat lies beyond several occupied seats that a single shift does not skip
    write(3, 10, [("+", 3), ("+", 4), ("+", 5), ("+", 1), ("+", 3), ("-", 5), ("+", 5)])
    write(4, 30, simulate(rng, 30, 200, 0.4, lambda r, free: r.randint(1, free + 2)))
    write(5, 1000, simulate(rng, 1000, 3000, 0.3, lambda r, free: r.randint(1, free + 1)))
    write(6, MAX_N, simulate(rng, MAX_N, MAX_Q, 0.3, lambda r, free: r.randint(1, free)))
    # visitors ask for far seats while the left part fills up: a scan walks most of the row
    write(7, MAX_N, simulate(rng, MAX_N, MAX_Q, 0.1,
                             lambda r, free: max(1, free - r.randint(0, 50))))
    write(8, MAX_N, simulate(rng, MAX_N, MAX_Q, 0.5,
                             lambda r, free: min(MAX_N, r.randint(max(1, free - 1000), free + 10))))


if __name__ == "__main__":
    main()
