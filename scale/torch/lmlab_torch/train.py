"""Trains lmlab's model on lmlab's data with PyTorch, as lmlab's own trainer does (src/train/trainer.ts),
on one process or under torchrun with DDP (gloo on CPU, NCCL on GPUs) or FSDP (--fsdp, torch >= 2.0).

Per optimiser step, for each of gradAccum micro-batches of `rows` rows (the global batch: every
rank reads the same rows and trains its rows/world share), the loss is the summed cross-entropy
of the micro-batch's targets scaled by 1 / (its scored targets * gradAccum), lmlab's mean; the
global gradient norm is clipped to optimizer.clip (g *= clip / norm when norm > clip); AdamW with
decay on matrices only (embeddings with decayEmbeddings) at the warm-up + cosine rate of the
step; stages switch data at their `until` fraction. Metrics go to RUN/metrics.jsonl; checkpoints
RUN/checkpoints/step-NNNNNN/ are Hugging Face model folders (config.json, model.safetensors,
tokenizer.json) plus trainer-state.pt (optimiser, cursors, step) for --resume.
Not here: tokenising and the MeCo data layout (lmlab prepares the data), generation.
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

from .config import ConfigError, learning_rate, load_config, stage_ends
from .data import DataError, ShardRowLoader, next_rows, open_loader
from .hf import load_model_dir, save_model_dir
from .model import HAS_SDPA, DecoderLayer, Llama, parameter_kind


def parse_args(argv):
    p = argparse.ArgumentParser(prog="lmlab_torch.train", description=__doc__.split("\n")[0])
    p.add_argument("--config", required=True, help="lmlab training config (JSON)")
    p.add_argument("--run-dir", dest="run", required=True, help="run directory: metrics.jsonl, checkpoints/ (not --run: torchrun would take it for its own --run-path)")
    p.add_argument("--init", help="model folder with the initial weights (e.g. lmlab train --init-only's step-000000)")
    p.add_argument("--resume", action="store_true", help="continue from the run's latest checkpoint")
    p.add_argument("--stage-data", action="append", default=[], metavar="I=DIR",
                   help="train stage I on DIR (lmlab shards or an MDS export) instead of the config's")
    p.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE", help="override config fields, e.g. model.dim=1024 rows=16")
    p.add_argument("--fsdp", action="store_true", help="shard parameters, gradients and optimiser state (FSDP)")
    p.add_argument("--dtype", choices=["float32", "bf16"], default="float32", help="compute dtype (weights stay float32)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--max-steps", type=int, help="stop (with a checkpoint) after this step")
    p.add_argument("--no-checkpoint", action="store_true", help="write no checkpoint (throughput runs)")
    p.add_argument("--tokenizer", help="tokenizer.json copied into checkpoints")
    p.add_argument("--threads", type=int, help="CPU threads per process")
    return p.parse_args(argv)


class Dist:
    def __init__(self, device_choice):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() and device_choice != "cpu"
        if device_choice == "cuda" and not torch.cuda.is_available():
            raise ConfigError("--device cuda: no CUDA device is available to PyTorch")
        self.device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        # under torchrun (RANK set) a process group exists even for one process: DDP and FSDP need it
        self.distributed = "RANK" in os.environ
        if self.distributed:
            dist.init_process_group("nccl" if cuda else "gloo")

    def sum(self, values):
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.distributed:
            dist.all_reduce(t)
        return t.tolist()

    def barrier(self):
        if self.distributed:
            dist.barrier()


def find_tokenizer(args, c):
    for candidate in (args.tokenizer, c.get("tokenizer"), args.init and os.path.join(args.init, "tokenizer.json")):
        if candidate and os.path.exists(candidate):
            return candidate
    index = os.path.join(c["stages"][0]["data"], "dataset.json")
    if os.path.exists(index):
        with open(index) as f:
            tk = (json.load(f).get("meta") or {}).get("tokenizer")
        if isinstance(tk, str) and os.path.exists(tk):
            return tk
    return None


def latest_checkpoint(run):
    pointer = os.path.join(run, "checkpoints", "latest")
    if not os.path.exists(pointer):
        return None
    with open(pointer) as f:
        d = os.path.join(run, "checkpoints", f.read().strip())
    return d if os.path.exists(os.path.join(d, "trainer-state.pt")) else None


def build(args, c, d):
    model = Llama(c["model"])
    ids = {}
    source = latest_checkpoint(args.run) if args.resume else None
    if source or args.init:
        mc, tensors, ids = load_model_dir(source or args.init)
        if mc != {k: c["model"][k] for k in mc}:
            raise ConfigError(f"{source or args.init}: its model config {mc} differs from the training config's {c['model']}")
        missing, unexpected = model.load_state_dict({k: v for k, v in tensors.items() if k in model.state_dict()}, strict=False)
        if missing:
            raise ConfigError(f"{source or args.init}: missing tensors {missing[:3]}")
    else:
        model.initialise(c["seed"])
    model.to(d.device)
    groups = {"decay": [], "none": []}
    o = c["optimizer"]
    for name, p in model.named_parameters():
        kind = parameter_kind(name)
        groups["decay" if kind == "matrix" or (kind == "embedding" and o["decayEmbeddings"]) else "none"].append(name)
    if args.fsdp:
        if int(torch.__version__.split(".")[0]) < 2:
            raise ConfigError("--fsdp needs torch >= 2.0 (use_orig_params); use DDP (the default) on this torch")
        if not d.distributed:
            raise ConfigError("--fsdp runs under torchrun (python -m torch.distributed.run --nproc_per_node N ...)")
        import functools
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        from torch.distributed.fsdp.wrap import transformer_auto_wrap_policy
        wrapped = FSDP(model, auto_wrap_policy=functools.partial(transformer_auto_wrap_policy, transformer_layer_cls={DecoderLayer}),
                       use_orig_params=True, device_id=d.device if d.device.type == "cuda" else None)
    elif d.distributed:
        wrapped = torch.nn.parallel.DistributedDataParallel(model, device_ids=[d.device.index] if d.device.type == "cuda" else None)
    else:
        wrapped = model
    named = dict(wrapped.named_parameters())
    clean = {k.replace("_fsdp_wrapped_module.", "").replace("module.", "", 1) if k.startswith("module.") else k.replace("_fsdp_wrapped_module.", ""): v for k, v in named.items()}
    params = lambda names: [clean[n] for n in names if n in clean]
    if len(params(groups["decay"])) + len(params(groups["none"])) != len(clean):
        raise RuntimeError(f"parameter names after wrapping do not match the model's: {sorted(clean)[:3]}")
    optimizer = torch.optim.AdamW([
        {"params": params(groups["decay"]), "weight_decay": o["weightDecay"]},
        {"params": params(groups["none"]), "weight_decay": 0.0},
    ], lr=0.0, betas=(o["beta1"], o["beta2"]), eps=o["eps"])
    return model, wrapped, optimizer, ids, source


def full_state(args, wrapped, model):
    if args.fsdp:
        from torch.distributed.fsdp import FullStateDictConfig, StateDictType
        from torch.distributed.fsdp import FullyShardedDataParallel as FSDP
        with FSDP.state_dict_type(wrapped, StateDictType.FULL_STATE_DICT, FullStateDictConfig(offload_to_cpu=True, rank0_only=True)):
            sd = wrapped.state_dict()
        return {k.replace("_fsdp_wrapped_module.", ""): v for k, v in sd.items()}
    return {k: v.detach().cpu() for k, v in model.state_dict().items()}


def save_checkpoint(args, c, d, wrapped, model, optimizer, state, tokenizer, ids):
    root = os.path.join(args.run, "checkpoints")
    name = f"step-{state['step']:06d}"
    tmp = os.path.join(root, f".{name}.tmp")
    sd = full_state(args, wrapped, model)
    if d.rank == 0:
        shutil.rmtree(tmp, ignore_errors=True)
        save_model_dir(tmp, c["model"], sd, tokenizer, ids)
    d.barrier()
    opt = optimizer.state_dict()
    if args.fsdp:
        torch.save(opt, os.path.join(tmp, f"optimizer-rank{d.rank}.pt"))
    d.barrier()
    if d.rank == 0:
        torch.save({"state": state, "optimizer": None if args.fsdp else opt, "world": d.world, "fsdp": args.fsdp},
                   os.path.join(tmp, "trainer-state.pt"))
        final = os.path.join(root, name)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        with open(os.path.join(root, ".latest.tmp"), "w") as f:
            f.write(name + "\n")
        os.replace(os.path.join(root, ".latest.tmp"), os.path.join(root, "latest"))
        kept = sorted(x for x in os.listdir(root) if x.startswith("step-"))
        for old in kept[:-2]:
            shutil.rmtree(os.path.join(root, old), ignore_errors=True)
    d.barrier()
    return os.path.join(root, name)


def grad_norm_and_clip(args, d, model_params, clip):
    """lmlab's global L2 norm of the gradient; scales it to `clip` when larger."""
    squares = sum(float(p.grad.double().pow(2).sum()) for p in model_params if p.grad is not None)
    if args.fsdp:
        squares = d.sum([squares])[0]  # each rank holds a shard of every gradient
    norm = squares ** 0.5
    if not np.isfinite(norm):
        raise RuntimeError(f"optimizer: gradient norm is {norm}; training diverged (lower the learning rate)")
    if clip > 0 and norm > clip:
        for p in model_params:
            if p.grad is not None:
                p.grad.mul_(clip / norm)
    return norm


def evaluate(c, d, wrapped, rows):
    loader = ShardRowLoader(c["eval"], c["seqLen"], c["overflow"], 0, shuffle=False)
    total = count = 0.0
    with torch.no_grad():
        for _ in range(c["evalBatches"]):
            batch = [torch.from_numpy(a[rows]).to(d.device) for a in next_rows(loader, c["rows"])]
            s, n = wrapped(*batch)
            total += float(s)
            count += n
            if loader.c["epoch"] > 0:
                break
    total, count = d.sum([total, count])
    return total / count if count else 0.0, int(count)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    if args.threads:
        torch.set_num_threads(args.threads)
    d = Dist(args.device)
    stage_data = {}
    for item in args.stage_data:
        i, _, path = item.partition("=")
        stage_data[int(i)] = path
    c = load_config(args.config, stage_data, args.set)
    if c["rows"] % d.world:
        raise ConfigError(f"rows {c['rows']} do not split over {d.world} processes")
    per_rank = c["rows"] // d.world
    rows = slice(d.rank * per_rank, (d.rank + 1) * per_rank)
    torch.manual_seed(c["seed"])
    model, wrapped, optimizer, ids, source = build(args, c, d)
    tokenizer = find_tokenizer(args, c)
    state = {"step": 0, "cursors": [None] * len(c["stages"]), "tokensSeen": 0, "elapsed": 0.0}
    metrics_path = os.path.join(args.run, "metrics.jsonl")
    if source:
        saved = torch.load(os.path.join(source, "trainer-state.pt"))
        if saved["world"] != d.world and args.fsdp:
            raise ConfigError(f"{source} was written by {saved['world']} FSDP processes; resume with as many")
        state = saved["state"]
        opt = torch.load(os.path.join(source, f"optimizer-rank{d.rank}.pt")) if args.fsdp else saved["optimizer"]
        optimizer.load_state_dict(opt)
    if d.rank == 0:
        os.makedirs(args.run, exist_ok=True)
        kept = []
        if source and os.path.exists(metrics_path):
            kept = [l for l in open(metrics_path) if l.strip() and json.loads(l)["step"] <= state["step"]]
        with open(metrics_path, "w") as f:
            f.writelines(kept)
        with open(os.path.join(args.run, "config.json"), "w") as f:
            json.dump(c, f, indent=1)
    d.barrier()
    ends = stage_ends(c)
    loaders = [None] * len(c["stages"])
    params = [p for p in wrapped.parameters() if p.requires_grad]
    autocast = torch.autocast(device_type=d.device.type, dtype=torch.bfloat16, enabled=args.dtype == "bf16")
    tokens_per_step = c["rows"] * c["seqLen"] * c["gradAccum"]
    stop = min(c["steps"], args.max_steps or c["steps"])
    if d.rank == 0:
        print(f"lmlab_torch: {d.world} process(es) on {d.device.type}, {'FSDP' if args.fsdp else 'DDP' if d.distributed else 'single'}, "
              f"{args.dtype}, attention {'sdpa' if HAS_SDPA else 'masked softmax'}; step {state['step']} -> {stop}", flush=True)
    t0 = time.time()
    base_elapsed = state["elapsed"]
    start_step = state["step"]
    while state["step"] < stop:
        step = state["step"]
        stage = next(i for i, e in enumerate(ends) if step < e)
        if loaders[stage] is None:
            loaders[stage] = open_loader(c["stages"][stage]["data"], c["seqLen"], c["overflow"], c["seed"] + stage * 7919, state["cursors"][stage])
        loader = loaders[stage]
        optimizer.zero_grad(set_to_none=True)
        t_step = time.time()
        total = count = 0.0
        for micro in range(c["gradAccum"]):
            batch = next_rows(loader, c["rows"])
            scored = int((batch[1] >= 0).sum())
            local = [torch.from_numpy(a[rows]).to(d.device) for a in batch]
            sync = micro == c["gradAccum"] - 1 or not d.distributed or args.fsdp
            ctx = wrapped.no_sync() if not sync else _Null()
            with ctx:
                with autocast:
                    s, n = wrapped(*local)
                scale = d.world / (scored * c["gradAccum"]) if scored > 0 else 0.0
                (s * scale).backward()
            total += float(s.detach())
            count += n
        norm = grad_norm_and_clip(args, d, params, c["optimizer"]["clip"])
        lr = learning_rate(c, step)
        for g in optimizer.param_groups:
            g["lr"] = lr
        optimizer.step()
        total, count = d.sum([total, count])
        state["step"] += 1
        state["tokensSeen"] += tokens_per_step
        state["cursors"] = [l.cursor() if l else state["cursors"][i] for i, l in enumerate(loaders)]
        if d.device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = time.time() - t0
        state["elapsed"] = base_elapsed + elapsed
        m = {"step": state["step"], "stage": stage, "loss": total / count if count else 0.0, "lr": lr, "gradNorm": norm,
             "tokensSeen": state["tokensSeen"], "tokensPerSecond": tokens_per_step * (state["step"] - start_step) / max(elapsed, 1e-9),
             "elapsed": state["elapsed"], "stepSeconds": time.time() - t_step}
        if d.rank == 0 and (state["step"] % c["logEvery"] == 0 or state["step"] == c["steps"]):
            with open(metrics_path, "a") as f:
                f.write(json.dumps(m) + "\n")
        if c.get("eval") and c["evalEvery"] > 0 and (state["step"] % c["evalEvery"] == 0 or state["step"] == c["steps"]):
            loss, n = evaluate(c, d, wrapped, rows)
            if d.rank == 0:
                with open(metrics_path, "a") as f:
                    f.write(json.dumps({"step": state["step"], "evalLoss": loss, "evalTokens": n}) + "\n")
        last = state["step"] == stop
        if not args.no_checkpoint and (last or c["checkpointEvery"] > 0 and state["step"] % c["checkpointEvery"] == 0):
            t_save = time.time()
            where = save_checkpoint(args, c, d, wrapped, model, optimizer, dict(state), tokenizer, ids)
            t0 += time.time() - t_save
            if d.rank == 0 and last:
                print(f"lmlab_torch: step {state['step']}, loss {m['loss']:.4f}, {m['tokensPerSecond']:.0f} tokens/s; checkpoint {where}", flush=True)
    if d.distributed:
        dist.destroy_process_group()


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def cli():
    try:
        main()
    except (ConfigError, DataError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    cli()
