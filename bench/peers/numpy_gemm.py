# Peer for bench/kernels.ts: times float32 matrix products with numpy (and so with whatever BLAS
# numpy is linked to) on request, so that the benchmark can interleave our measurements with
# these in one run. It does not pick shapes or compute ratios: the benchmark does.
#
# Protocol (one JSON object per line): on start it prints {"numpy", "blas", "python"}; then for
# each request {"m", "k", "n", "layout", "inner"} it prints {"best_s"}, the best of `inner`
# timed runs after one warm-up. layout: "nn" = A·B, "nt" = A·Bᵀ with B stored [n][k], "tn" =
# Aᵀ·B with A stored [k][m]. For m == 1 with "nt" (the decode GEMV) both numpy spellings, x@W.T
# and W@x, are timed and the faster one counts, so the peer is never handicapped by the form.
import json
import os
import sys
import time

import numpy as np


def loaded_blas():
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in os.path.basename(path).lower():
                    return path
    except OSError:
        pass
    return "unknown"


operands = {}


def product(m, k, n, layout):
    key = (m, k, n, layout)
    if key not in operands:
        rng = np.random.default_rng(1)
        a = rng.standard_normal((k, m) if layout == "tn" else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if layout == "nt" else (k, n), dtype=np.float32)
        if layout == "nn":
            forms = [lambda: a @ b]
        elif layout == "nt":
            forms = [lambda: a @ b.T]
            if m == 1:
                x = a[0]
                forms.append(lambda: b @ x)
        else:
            forms = [lambda: a.T @ b]
        operands[key] = forms
    return operands[key]


def best_time(fn, inner):
    fn()
    best = float("inf")
    for _ in range(inner):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    print(json.dumps({"numpy": np.__version__, "blas": loaded_blas(), "python": sys.executable}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        forms = product(req["m"], req["k"], req["n"], req["layout"])
        best = min(best_time(fn, req["inner"]) for fn in forms)
        print(json.dumps({"best_s": best}), flush=True)


main()
