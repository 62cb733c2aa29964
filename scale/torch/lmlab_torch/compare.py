"""Loss parity and throughput of PyTorch runs against lmlab's reference losses: prints one JSON
object and a markdown table. Usage:
  python3 -m lmlab_torch.compare REFERENCE.json NAME=RUN_DIR [NAME@RUN_DIR ...]
(NAME@RUN_DIR: throughput only, no loss parity, for runs of another model.)
REFERENCE.json holds {"losses": [...], ...} (lmlab's loss at steps 1..N); a run directory holds
the trainer's metrics.jsonl. Throughput is tokens per step / the median step time after the
first 3 steps (start-up and compilation excluded). Not here: running anything.
"""
import json
import os
import statistics
import sys


def summarise(reference, run_dir, parity=True):
    rows = [json.loads(l) for l in open(os.path.join(run_dir, "metrics.jsonl")) if l.strip()]
    steps = [r for r in rows if "loss" in r]
    ref = (reference.get("losses") or []) if parity else []
    n = min(len(ref), len(steps))
    rel = [abs(steps[i]["loss"] - ref[i]) / abs(ref[i]) for i in range(n)]
    times = [r["stepSeconds"] for r in steps[3:]] or [r["stepSeconds"] for r in steps]
    tokens_per_step = (steps[1]["tokensSeen"] - steps[0]["tokensSeen"]) if len(steps) > 1 else steps[0]["tokensSeen"]
    return {
        "steps": len(steps), "comparedSteps": n,
        "maxRelDiff": max(rel) if rel else None, "meanRelDiff": sum(rel) / n if n else None,
        "firstLoss": steps[0]["loss"] if steps else None, "lastLoss": steps[-1]["loss"] if steps else None,
        "referenceLastLoss": ref[n - 1] if n else None,
        "tokensPerSecond": tokens_per_step / statistics.median(times) if times else None,
    }


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(argv[0]) as f:
        reference = json.load(f)
    out = {}
    for item in argv[1:]:
        parity = "=" in item
        name, _, run = item.partition("=" if parity else "@")
        try:
            out[name] = summarise(reference, run, parity)
        except (OSError, ValueError, IndexError, KeyError) as e:
            out[name] = {"error": f"{type(e).__name__}: {e}"}
    print(json.dumps({"reference": {k: v for k, v in reference.items() if k != "losses"}, "runs": out}, indent=1))
    fmt = lambda v, f: "-" if v is None else format(v, f)
    print("\n| run | steps | max rel. loss diff | mean rel. diff | last loss (lmlab) | tokens/s |")
    print("|---|---|---|---|---|---|")
    for name, r in out.items():
        if "error" in r:
            print(f"| {name} | failed: {r['error']} | | | | |")
            continue
        print(f"| {name} | {r['steps']} | {fmt(r['maxRelDiff'], '.2e')} | {fmt(r['meanRelDiff'], '.2e')} | "
              f"{fmt(r['lastLoss'], '.4f')} ({fmt(r['referenceLastLoss'], '.4f')}) | {fmt(r['tokensPerSecond'], ',.0f')} |")


if __name__ == "__main__":
    main(sys.argv[1:])
