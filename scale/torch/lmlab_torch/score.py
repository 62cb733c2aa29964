"""Per-token log-probabilities of token sequences under a model folder, in PyTorch: the same
numbers as `lmlab score --json` (scored tokens ids[first:], each given everything before it).

Input: JSON lines {"ids": [...], "first": 1} on stdin (or --ids/--first); output: one JSON line
each, {"tokens", "logprobs", "nll"}. Not here: tokenising (lmlab does it; pass its ids).
"""
import argparse
import json
import os
import sys

import torch

from .hf import load_model_dir
from .model import Llama


def load(directory, device="cpu"):
    c, tensors, _ = load_model_dir(directory)
    model = Llama(c)
    model.load_state_dict({k: v for k, v in tensors.items() if k in model.state_dict()})
    return model.to(device).eval()


def score(model, ids, first):
    t = torch.tensor([ids], dtype=torch.long)
    n = t.shape[1]
    with torch.no_grad():
        logits = model.logits(t, torch.arange(n)[None, :], torch.zeros(1, n, dtype=torch.long))[0]
        logp = torch.log_softmax(logits.double(), dim=-1)
    lp = [float(logp[i - 1, ids[i]]) for i in range(first, n)]
    return {"tokens": ids[first:], "logprobs": lp, "nll": -sum(lp)}


def main(argv=None):
    p = argparse.ArgumentParser(prog="lmlab_torch.score", description=__doc__.split("\n")[0])
    p.add_argument("model", help="model folder (config.json, model.safetensors)")
    p.add_argument("--ids", help="JSON list of token ids (else JSON lines on stdin)")
    p.add_argument("--first", type=int, default=1, help="first scored position (>= 1)")
    a = p.parse_args(argv)
    if not os.path.exists(os.path.join(a.model, "config.json")):
        print(f"error: {a.model}: no config.json", file=sys.stderr)
        sys.exit(2)
    model = load(a.model)
    items = [{"ids": json.loads(a.ids), "first": a.first}] if a.ids else [json.loads(l) for l in sys.stdin if l.strip()]
    for item in items:
        print(json.dumps(score(model, item["ids"], item.get("first", 1))))


if __name__ == "__main__":
    main()
