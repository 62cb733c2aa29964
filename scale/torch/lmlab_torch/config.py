"""lmlab's training config (src/train/config.ts) with its defaults, and its LR schedule
(src/train/schedule.ts): linear warm-up from 0, then cosine decay to floor * peak (MeCo §3);
stages end at round(until * steps), the optimiser and schedule continue across them.
Not here: validation beyond what training needs (lmlab validates configs it writes).
"""
import json
import math

MODEL_DEFAULTS = {"ropeTheta": 10000.0, "normEps": 1e-5, "maxSeqLen": 2048, "tieEmbeddings": False}
OPTIMIZER_DEFAULTS = {"lr": 3e-3, "warmup": 0.05, "floor": 0.1, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8,
                      "weightDecay": 0.033, "clip": 1.0, "decayEmbeddings": False}
DEFAULTS = {"rows": 8, "seqLen": 512, "overflow": "drop", "gradAccum": 1, "seed": 1, "evalEvery": 100,
            "evalBatches": 4, "checkpointEvery": 200, "logEvery": 1}


class ConfigError(Exception):
    pass


def apply_overrides(raw, overrides):
    """`a.b=value` (value parsed as JSON when it parses, else a string), as lmlab's --set."""
    for item in overrides or []:
        key, eq, value = item.partition("=")
        if not eq or not key:
            raise ConfigError(f"override {item!r} is not of the form key.path=value")
        try:
            value = json.loads(value)
        except ValueError:
            pass
        node = raw
        path = key.split(".")
        for k in path[:-1]:
            if not isinstance(node.get(k), dict):
                node[k] = {}
            node = node[k]
        node[path[-1]] = value
    return raw


def load_config(path, stage_data=None, overrides=None):
    with open(path) as f:
        raw = apply_overrides(json.load(f), overrides)
    c = {**DEFAULTS, **raw}
    c["model"] = {**MODEL_DEFAULTS, **raw["model"]}
    c["optimizer"] = {**OPTIMIZER_DEFAULTS, **raw.get("optimizer", {})}
    c["stages"] = [dict(s) for s in raw["stages"]]
    for key in ("steps",):
        if key not in c:
            raise ConfigError(f"config {path}: {key} is missing")
    for i, d in (stage_data or {}).items():
        if i >= len(c["stages"]):
            raise ConfigError(f"--stage-data {i}=...: the config has {len(c['stages'])} stage(s)")
        c["stages"][i]["data"] = d
    m = c["model"]
    if m["dim"] % m["heads"] or (m["dim"] // m["heads"]) % 2 or m["heads"] % m["kvHeads"]:
        raise ConfigError(f"config {path}: dim/heads/kvHeads do not form a LLaMA shape")
    if c["seqLen"] > m["maxSeqLen"]:
        raise ConfigError(f"config {path}: seqLen {c['seqLen']} exceeds model.maxSeqLen {m['maxSeqLen']}")
    return c


def stage_ends(c):
    return [int(math.floor(s.get("until", 1) * c["steps"] + 0.5)) for s in c["stages"]]


def warmup_steps(c):
    w = c["optimizer"]["warmup"]
    return int(math.floor(w * c["steps"] + 0.5)) if w < 1 else int(math.floor(w + 0.5))


def learning_rate(c, step):
    o = c["optimizer"]
    peak, warm, total, floor = o["lr"], warmup_steps(c), c["steps"], o["floor"]
    if step < warm:
        return peak * step / warm
    span = max(1, total - warm)
    progress = min(1.0, (step - warm) / span)
    return peak * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress)))
