#!/usr/bin/env python3
"""Rebuilds the committed tests of bundled problems: runs each problem's generator.py (fixed
seeds), writes every .ans with the problem's solutions/ref.cpp (interactive problems keep the
empty .ans their generator writes), runs the validator on every .in and prints the total size.

Usage: python3 problems/build_tests.py [problem-id ...]   (default: every problem)
It does not judge solutions; that is `lmlab judge --selftest`.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE_BUDGET = 1024 * 1024


def problem_ids(arguments):
    if arguments:
        return arguments
    return sorted(d for d in os.listdir(HERE) if os.path.isfile(os.path.join(HERE, d, "problem.json")))


def build(problem_id, scratch):
    folder = os.path.join(HERE, problem_id)
    with open(os.path.join(folder, "problem.json")) as f:
        problem = json.load(f)
    tests = os.path.join(folder, "tests")
    shutil.rmtree(tests, ignore_errors=True)
    subprocess.run([sys.executable, os.path.join(folder, problem["generator"])], check=True)
    inputs = sorted((f for f in os.listdir(tests) if f.endswith(".in")), key=lambda f: int(f[:-3]))
    if not problem.get("interactive"):
        binary = os.path.join(scratch, problem_id)
        subprocess.run(["g++", "-std=c++20", "-O2", "-o", binary,
                        os.path.join(folder, "solutions", "ref.cpp")], check=True)
        for name in inputs:
            with open(os.path.join(tests, name), "rb") as source, \
                    open(os.path.join(tests, name[:-3] + ".ans"), "wb") as target:
                subprocess.run([binary], stdin=source, stdout=target, check=True)
    if problem.get("validator"):
        for name in inputs:
            subprocess.run([sys.executable, os.path.join(folder, problem["validator"]),
                            os.path.join(tests, name)], check=True)
    size = sum(os.path.getsize(os.path.join(tests, f)) for f in os.listdir(tests))
    flag = "" if size <= SIZE_BUDGET else "  (over the 1 MiB budget)"
    print("%-22s %3d tests %8d bytes%s" % (problem_id, len(inputs), size, flag))


def main():
    with tempfile.TemporaryDirectory() as scratch:
        for problem_id in problem_ids(sys.argv[1:]):
            build(problem_id, scratch)


if __name__ == "__main__":
    main()
