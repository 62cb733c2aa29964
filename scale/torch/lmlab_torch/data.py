"""Training rows from lmlab's data, exactly as lmlab's trainer packs them.

Two sources, told apart by their index file:
  lmlab token shards (dataset.json + shard-NNNNN.bin, src/train/shards.ts): documents packed
      into rows by a port of src/train/packing.ts (seeded xoshiro128** shuffle of shards and
      documents per epoch, `drop` or `carry` overflow), so the row stream is the one lmlab
      trains on for the same seed;
  MosaicML Streaming (MDS) directories (index.json + shard.NNNNN.mds) in the MeCo authors'
      schema (input_ids, mask, indices), read here from the format itself (shard header,
      column encodings): rows are taken in file order, wrapping around at the end, with
      positions restarting at every [start, end) span, as `lmlab meco export-mds` writes them.

A row becomes tokens, targets (next token inside the same document where its mask is 1, else
-1), positions and segment ids: the same four arrays as lmlab's TrainingBatch. The cursor of
either loader is plain JSON for checkpoints. Not here: tokenising, the model.
"""
import json
import os

import numpy as np

MASK32 = 0xFFFFFFFF


class Rng:
    """xoshiro128** seeded through splitmix32: src/util/rng.ts, bit for bit."""

    def __init__(self, seed):
        s = []
        x = seed & MASK32
        for _ in range(4):
            x = (x + 0x9E3779B9) & MASK32
            z = x
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & MASK32
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & MASK32
            s.append((z ^ (z >> 16)) & MASK32)
        if not any(s):
            s[0] = 1
        self.s = s

    def next_u32(self):
        s = self.s
        result = (_rotl((s[1] * 5) & MASK32, 7) * 9) & MASK32
        t = (s[1] << 9) & MASK32
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = _rotl(s[3], 11)
        return result

    def int(self, n):
        return int((self.next_u32() / 4294967296.0) * n)

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.int(i + 1)
            items[i], items[j] = items[j], items[i]


def _rotl(x, k):
    return ((x << k) | (x >> (32 - k))) & MASK32


def _imul(a, b):
    return (a * b) & MASK32


def _mix(seed, epoch, salt):
    return (_imul((seed ^ 0x9E3779B9) & MASK32, 0x85EBCA6B) ^ _imul(epoch + 1, 0xC2B2AE35) ^ _imul(salt, 0x27D4EB2F)) & MASK32


class DataError(Exception):
    """A dataset that cannot be read; the message names the file and the problem."""


# ---- lmlab token shards ---------------------------------------------------------------------

def read_shard(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 12 or data[:8] != b"LMLABSH1":
        raise DataError(f"shard {path}: not an lmlab shard")
    hlen = int.from_bytes(data[8:12], "little")
    header = json.loads(data[12:12 + hlen].decode("utf-8"))
    docs, tokens = header["documents"], header["tokens"]
    at = 12 + hlen
    at += (4 - at % 4) % 4
    need = at + 4 * (docs + 1) + 4 * docs + 4 * tokens + tokens
    if need != len(data):
        raise DataError(f"shard {path}: size {len(data)} does not match its header ({need})")
    offsets = np.frombuffer(data, np.uint32, docs + 1, at)
    at += 4 * (docs + 1)
    sources = np.frombuffer(data, np.uint32, docs, at)
    at += 4 * docs
    toks = np.frombuffer(data, np.uint32, tokens, at).astype(np.int64)
    at += 4 * tokens
    mask = np.frombuffer(data, np.uint8, tokens, at)
    return offsets.astype(np.int64), sources, toks, mask


class ShardRowLoader:
    """src/train/packing.ts RowLoader: rows of t tokens from a shard dataset."""

    def __init__(self, directory, t, overflow, seed, shuffle=True, cursor=None):
        with open(os.path.join(directory, "dataset.json")) as f:
            self.index = json.load(f)
        if self.index.get("format") != "lmlab-shards-1":
            raise DataError(f"dataset {directory}: dataset.json is not an lmlab shard index")
        if not any(s["documents"] > 0 for s in self.index["shards"]):
            raise DataError(f"dataset {directory}: it holds no documents")
        self.dir, self.t, self.overflow, self.seed, self.shuffle = directory, t, overflow, seed, shuffle
        self.c = dict(cursor) if cursor else {"epoch": 0, "shardPos": 0, "docPos": 0, "docOffset": 0}
        self.loaded_epoch = self.loaded_shard_pos = -1
        self.shard = None

    def cursor(self):
        return dict(self.c)

    def _ensure_shard(self):
        c = self.c
        if self.loaded_epoch != c["epoch"]:
            self.shard_order = list(range(len(self.index["shards"])))
            if self.shuffle:
                Rng(_mix(self.seed, c["epoch"], 0x5A4D)).shuffle(self.shard_order)
            self.loaded_epoch, self.loaded_shard_pos = c["epoch"], -1
        if self.loaded_shard_pos != c["shardPos"]:
            si = self.shard_order[c["shardPos"]]
            self.shard = read_shard(os.path.join(self.dir, self.index["shards"][si]["file"]))
            self.doc_order = list(range(len(self.shard[1])))
            if self.shuffle:
                Rng(_mix(self.seed, c["epoch"], si + 1)).shuffle(self.doc_order)
            self.loaded_shard_pos = c["shardPos"]

    def _advance(self):
        c = self.c
        c["docOffset"] = 0
        c["docPos"] += 1
        while True:
            self._ensure_shard()
            if c["docPos"] < len(self.doc_order):
                return
            c["docPos"] = 0
            c["shardPos"] += 1
            if c["shardPos"] >= len(self.shard_order):
                c["shardPos"] = 0
                c["epoch"] += 1

    def next_row(self):
        t, c = self.t, self.c
        tokens = np.zeros(t, np.int64)
        targets = np.full(t, -1, np.int64)
        positions = np.zeros(t, np.int64)
        segments = np.zeros(t, np.int64)
        self._ensure_shard()
        if c["docPos"] >= len(self.doc_order):
            c["docPos"] -= 1
            self._advance()
        pos = segment = 0
        while pos < t:
            offsets, _, toks, mask = self.shard
            doc = self.doc_order[c["docPos"]]
            begin = offsets[doc] + c["docOffset"]
            remaining = offsets[doc + 1] - begin
            take = min(remaining, t - pos)
            tokens[pos:pos + take] = toks[begin:begin + take]
            positions[pos:pos + take] = c["docOffset"] + np.arange(take)
            segments[pos:pos + take] = segment
            nxt = toks[begin + 1:begin + take]
            targets[pos:pos + take - 1] = np.where(mask[begin + 1:begin + take] != 0, nxt, -1)
            pos += take
            segment += 1
            if take < remaining:
                if self.overflow == "carry":
                    c["docOffset"] += take
                else:
                    self._advance()
                break
            self._advance()
        return tokens, targets, positions, segments


# ---- MosaicML Streaming (MDS) ------------------------------------------------------------------

_VALUE_DTYPES = {8: "uint8", 9: "int8", 16: "uint16", 17: "int16", 18: "float16", 32: "uint32",
                 33: "int32", 34: "float32", 64: "uint64", 65: "int64", 66: "float64"}
_SCALARS = {"uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64",
            "float16", "float32", "float64"}


def _encoded_size(encoding):
    if encoding.startswith("ndarray"):
        parts = encoding.split(":")
        if len(parts) == 3:
            return int(np.prod([int(d) for d in parts[2].split(",")])) * np.dtype(parts[1]).itemsize
        return None
    if encoding in _SCALARS:
        return np.dtype(encoding).itemsize
    if encoding == "int":
        return 8
    return None


def decode_column(encoding, data):
    if encoding == "str":
        return data.decode("utf-8")
    if encoding == "bytes":
        return data
    if encoding == "json":
        return json.loads(data.decode("utf-8"))
    if encoding == "int":
        return int(np.frombuffer(data, "<i8")[0])
    if encoding in _SCALARS:
        return np.frombuffer(data, np.dtype(encoding).newbyteorder("<"))[0]
    if encoding.startswith("ndarray"):
        parts = encoding.split(":")
        at = 0
        if len(parts) >= 2 and parts[1]:
            dtype = parts[1]
        else:
            dtype = _VALUE_DTYPES[data[at]]
            at += 1
        if len(parts) == 3:
            shape = tuple(int(d) for d in parts[2].split(","))
        else:
            byte = data[at]
            at += 1
            ndim, code = byte >> 2, byte & 3
            shape = tuple(int(x) for x in np.frombuffer(data, ["<u1", "<u2", "<u4", "<u8"][code], ndim, at))
            at += ndim << code
        return np.frombuffer(data, np.dtype(dtype).newbyteorder("<"), offset=at).reshape(shape)
    raise DataError(f"MDS encoding {encoding} is not supported here")


class MdsDataset:
    """Random access to the samples of an uncompressed MDS directory (every shard mapped lazily)."""

    def __init__(self, directory):
        path = os.path.join(directory, "index.json")
        try:
            with open(path) as f:
                index = json.load(f)
        except (OSError, ValueError) as e:
            raise DataError(f"{directory}: no readable MDS index.json ({e})")
        self.dir, self.shards, self.starts = directory, index["shards"], []
        total = 0
        for info in self.shards:
            if info.get("format") != "mds" or info.get("compression"):
                raise DataError(f"{directory}: only uncompressed MDS shards are supported")
            self.starts.append(total)
            total += info["samples"]
        self.total, self.cache = total, {}
        if total == 0:
            raise DataError(f"{directory}: the MDS dataset holds no samples")

    def __len__(self):
        return self.total

    def _shard(self, i):
        if i not in self.cache:
            self.cache.clear()
            with open(os.path.join(self.dir, self.shards[i]["raw_data"]["basename"]), "rb") as f:
                self.cache[i] = f.read()
        return self.cache[i]

    def __getitem__(self, k):
        i = max(j for j, s in enumerate(self.starts) if s <= k)
        info, data, s = self.shards[i], self._shard(i), k - self.starts[i]
        begin = int.from_bytes(data[4 + 4 * s:8 + 4 * s], "little")
        sizes = [_encoded_size(e) for e in info["column_encodings"]]
        p = begin
        for c, size in enumerate(sizes):
            if size is None:
                sizes[c] = int.from_bytes(data[p:p + 4], "little")
                p += 4
        out = {}
        for name, enc, size in zip(info["column_names"], info["column_encodings"], sizes):
            out[name] = decode_column(enc, data[p:p + size])
            p += size
        return out


def mds_row(sample, t):
    """An authors'-schema sample as lmlab's row arrays (truncated or padded to t tokens, as data.py
    truncates from the start; padding is its own segment and is never a target)."""
    ids = np.asarray(sample["input_ids"], np.int64)[:t]
    n = len(ids)
    mask = np.asarray(sample["mask"], np.int64)[:n] if "mask" in sample else np.ones(n, np.int64)
    spans = np.asarray(sample["indices"], np.int64).reshape(-1, 2) if "indices" in sample else np.array([[0, n]])
    tokens = np.zeros(t, np.int64)
    targets = np.full(t, -1, np.int64)
    positions = np.zeros(t, np.int64)
    segments = np.full(t, len(spans), np.int64)
    tokens[:n] = ids
    for s, (a, b) in enumerate(spans):
        b = min(b, n)
        if a >= b:
            continue
        positions[a:b] = np.arange(b - a)
        segments[a:b] = s
        targets[a:b - 1] = np.where(mask[a + 1:b] != 0, ids[a + 1:b], -1)
    if n < t:
        positions[n:] = np.arange(t - n)
    return tokens, targets, positions, segments


class MdsRowLoader:
    """Rows of an MDS export in file order, wrapping around; the cursor is the next sample number."""

    def __init__(self, directory, t, cursor=None):
        self.ds, self.t = MdsDataset(directory), t
        self.c = dict(cursor) if cursor else {"sample": 0}

    def cursor(self):
        return dict(self.c)

    def next_row(self):
        k = self.c["sample"] % len(self.ds)
        self.c["sample"] += 1
        return mds_row(self.ds[k], self.t)


def open_loader(directory, t, overflow, seed, cursor=None):
    """The row loader for a stage's data directory: MDS (index.json) or lmlab shards (dataset.json)."""
    if os.path.exists(os.path.join(directory, "index.json")) and not os.path.exists(os.path.join(directory, "dataset.json")):
        return MdsRowLoader(directory, t, cursor)
    if not os.path.exists(os.path.join(directory, "dataset.json")):
        raise DataError(f"{directory}: neither an lmlab shard dataset (dataset.json) nor an MDS export (index.json)")
    return ShardRowLoader(directory, t, overflow, seed, True, cursor)


def next_rows(loader, rows):
    """rows consecutive rows stacked: tokens, targets, positions, segments [rows, t] (int64)."""
    got = [loader.next_row() for _ in range(rows)]
    return tuple(np.stack([g[i] for g in got]) for i in range(4))
