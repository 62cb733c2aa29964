"""Hugging Face model folders: a small safetensors reader and writer and config.json.

safetensors layout: u64 little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}} (padded with
spaces to a multiple of 8), then the tensor bytes, little-endian, offsets relative to the end of
the header. Written: F32 (or BF16/F16 on request) in lmlab's canonical tensor order; read: F32,
F16, BF16 into float32. config.json carries transformers' LlamaConfig fields as lmlab writes them
(src/io/llama-config.ts). Not here: sharded checkpoints (one file is written), tokenizers (the
tokenizer.json is copied as is).
"""
import json
import os
import shutil
import struct

import numpy as np
import torch

_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "BF16": (None, 2)}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = data[base + a:base + b]
        if info["dtype"] == "F32":
            arr = np.frombuffer(raw, "<f4")
        elif info["dtype"] == "F16":
            arr = np.frombuffer(raw, "<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            arr = (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']} (F32, F16, BF16 are read)")
        out[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return out


def write_safetensors(path, tensors, metadata=None, dtype="F32"):
    """tensors: ordered {name: torch.Tensor}; written atomically (temporary file, then rename)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().to("cpu")
        if dtype == "BF16":
            raw = (t.float().contiguous().numpy().view(np.uint32) >> 16).astype("<u2").tobytes()  # truncation
        else:
            raw = t.float().numpy().astype("<f4" if dtype == "F32" else "<f2").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def tensor_order(c):
    """lmlab's canonical tensor order (src/model/params.ts)."""
    names = ["model.embed_tokens.weight"]
    for l in range(c["layers"]):
        p = f"model.layers.{l}."
        names += [p + s for s in ("input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                                  "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                                  "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight")]
    names.append("model.norm.weight")
    if not c["tieEmbeddings"]:
        names.append("lm_head.weight")
    return names


def hf_config(c, ids=None):
    hf = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": c["vocabSize"],
        "hidden_size": c["dim"], "intermediate_size": c["ffnHidden"], "num_hidden_layers": c["layers"],
        "num_attention_heads": c["heads"], "num_key_value_heads": c["kvHeads"], "head_dim": c["dim"] // c["heads"],
        "hidden_act": "silu", "max_position_embeddings": c["maxSeqLen"], "rms_norm_eps": c["normEps"],
        "rope_theta": c["ropeTheta"], "rope_scaling": None, "attention_bias": False, "attention_dropout": 0,
        "mlp_bias": False, "tie_word_embeddings": c["tieEmbeddings"], "torch_dtype": "float32",
    }
    hf.update(ids or {})
    return hf


def model_config_from_hf(hf):
    """The lmlab model config of a LLaMA config.json (the fields lmlab reads)."""
    if hf.get("model_type") != "llama":
        raise ValueError(f"config.json: model_type {hf.get('model_type')!r} is not supported (only 'llama')")
    return {
        "vocabSize": hf["vocab_size"], "dim": hf["hidden_size"], "layers": hf["num_hidden_layers"],
        "heads": hf["num_attention_heads"], "kvHeads": hf.get("num_key_value_heads", hf["num_attention_heads"]),
        "ffnHidden": hf["intermediate_size"], "ropeTheta": hf.get("rope_theta", 10000.0),
        "normEps": hf.get("rms_norm_eps", 1e-6), "maxSeqLen": hf.get("max_position_embeddings", 2048),
        "tieEmbeddings": hf.get("tie_word_embeddings") is True,
    }


def save_model_dir(directory, c, state, tokenizer=None, ids=None):
    """A complete model folder: config.json, model.safetensors, tokenizer.json (when given)."""
    os.makedirs(directory, exist_ok=True)
    ordered = {name: state[name] for name in tensor_order(c)}
    write_safetensors(os.path.join(directory, "model.safetensors"), ordered, {"format": "pt"})
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(hf_config(c, ids), f, indent=1)
    if tokenizer:
        shutil.copyfile(tokenizer, os.path.join(directory, "tokenizer.json"))


def load_model_dir(directory):
    """(lmlab model config, {name: float32 tensor}, special token ids) of a model folder."""
    with open(os.path.join(directory, "config.json")) as f:
        hf = json.load(f)
    ids = {k: hf[k] for k in ("bos_token_id", "eos_token_id") if hf.get(k) is not None}
    return model_config_from_hf(hf), read_safetensors(os.path.join(directory, "model.safetensors")), ids
