"""lmlab's LLaMA model in PyTorch (src/model/llama.ts, the same computation and tensor names).

    x = embed(tokens)
    per layer:  x += Attn(RMSNorm(x))   rotate-half RoPE at per-document positions, grouped-query
                                        heads (query head h reads kv head h // (heads/kvHeads)),
                                        causal attention inside each packed document only
                x += FFN(RMSNorm(x))    SwiGLU: down(silu(gate(x)) * up(x))
    logits = RMSNorm(x) @ head^T        head = the embedding when tieEmbeddings

Parameters are named as in Hugging Face LLaMA checkpoints (model.layers.N.self_attn.q_proj.weight,
...), so state_dict() is a checkpoint. Attention uses torch's scaled_dot_product_attention with a
boolean block mask where it exists (torch >= 2.0) and an explicit masked softmax otherwise.
Not here: data, optimiser, distribution.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

HAS_SDPA = hasattr(F, "scaled_dot_product_attention")


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        xf = x.float()
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return (y * self.weight.float()).to(x.dtype)


def rope_tables(positions, head_dim, theta):
    """cos, sin [B, T, head_dim/2] for integer positions [B, T]; angles in double as lmlab does."""
    half = head_dim // 2
    inv = torch.pow(torch.tensor(float(theta), dtype=torch.float64, device=positions.device),
                    -2.0 * torch.arange(half, dtype=torch.float64, device=positions.device) / head_dim)
    angle = positions.to(torch.float64)[..., None] * inv
    return torch.cos(angle).float(), torch.sin(angle).float()


def apply_rope(x, cos, sin):
    """x [B, T, H, hd] in the rotate-half layout: pairs (i, i + hd/2)."""
    half = x.shape[-1] // 2
    lo, hi = x[..., :half].float(), x[..., half:].float()
    c, s = cos[:, :, None, :], sin[:, :, None, :]
    return torch.cat([lo * c - hi * s, hi * c + lo * s], dim=-1).to(x.dtype)


def block_mask(segments):
    """[B, 1, T, T] boolean, True where query i may attend key j: j <= i in the same document."""
    t = segments.shape[1]
    same = segments[:, :, None] == segments[:, None, :]
    causal = torch.ones(t, t, dtype=torch.bool, device=segments.device).tril()
    return (same & causal)[:, None, :, :]


def attention(q, k, v, mask, force_fallback=False):
    """q [B, H, T, hd], k/v [B, H, T, hd] (kv heads already repeated), mask [B, 1, T, T]."""
    if HAS_SDPA and not force_fallback:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    scores = (q.float() @ k.float().transpose(-1, -2)) / math.sqrt(q.shape[-1])
    scores = scores.masked_fill(~mask, float("-inf"))
    return (torch.softmax(scores, dim=-1) @ v.float()).to(q.dtype)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.hd = c["heads"], c["kvHeads"], c["dim"] // c["heads"]
        self.theta = c["ropeTheta"]
        self.q_proj = nn.Linear(c["dim"], self.heads * self.hd, bias=False)
        self.k_proj = nn.Linear(c["dim"], self.kv_heads * self.hd, bias=False)
        self.v_proj = nn.Linear(c["dim"], self.kv_heads * self.hd, bias=False)
        self.o_proj = nn.Linear(self.heads * self.hd, c["dim"], bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = apply_rope(self.q_proj(x).view(b, t, self.heads, self.hd), cos, sin)
        k = apply_rope(self.k_proj(x).view(b, t, self.kv_heads, self.hd), cos, sin)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.hd)
        group = self.heads // self.kv_heads
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        if group > 1:
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
        out = attention(q, k, v, mask)
        return self.o_proj(out.transpose(1, 2).reshape(b, t, self.heads * self.hd))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["dim"], c["ffnHidden"], bias=False)
        self.up_proj = nn.Linear(c["dim"], c["ffnHidden"], bias=False)
        self.down_proj = nn.Linear(c["ffnHidden"], c["dim"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["dim"], c["normEps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["dim"], c["normEps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Backbone(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocabSize"], c["dim"])
        self.layers = nn.ModuleList([DecoderLayer(c) for _ in range(c["layers"])])
        self.norm = RMSNorm(c["dim"], c["normEps"])


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.model = Backbone(c)
        self.lm_head = None if c["tieEmbeddings"] else nn.Linear(c["dim"], c["vocabSize"], bias=False)

    def head_weight(self):
        return self.model.embed_tokens.weight if self.lm_head is None else self.lm_head.weight

    def logits(self, tokens, positions, segments):
        """tokens/positions/segments [B, T] (int64) -> float32 logits [B, T, vocab]."""
        c = self.config
        cos, sin = rope_tables(positions, c["dim"] // c["heads"], c["ropeTheta"])
        mask = block_mask(segments)
        x = self.model.embed_tokens(tokens)
        for layer in self.model.layers:
            x = layer(x, cos, sin, mask)
        x = self.model.norm(x)
        return F.linear(x, self.head_weight().to(x.dtype)).float()

    def forward(self, tokens, targets, positions, segments):
        """Summed cross-entropy over targets >= 0 and their count (lmlab's loss, not yet a mean)."""
        logits = self.logits(tokens, positions, segments)
        flat = targets.reshape(-1)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), flat.clamp(min=0), reduction="none")
        keep = (flat >= 0).to(loss.dtype)
        return (loss * keep).sum(), int((flat >= 0).sum().item())

    def initialise(self, seed):
        """N(0, 0.02) for matrices and embeddings, o_proj/down_proj scaled by 1/sqrt(2 layers), norms 1.
        The same distribution as lmlab's, not the same numbers (use --init for identical weights)."""
        g = torch.Generator().manual_seed(seed)
        scale = 1 / math.sqrt(2 * self.config["layers"])
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("layernorm.weight") or name == "model.norm.weight":
                    p.fill_(1)
                else:
                    std = 0.02 * scale if ("o_proj" in name or "down_proj" in name) else 0.02
                    p.copy_(torch.randn(p.shape, generator=g) * std)


def parameter_kind(name):
    """'matrix' (decayed), 'norm' or 'embedding' (decayed only with decayEmbeddings), as lmlab."""
    if name.endswith("norm.weight"):
        return "norm"
    if name == "model.embed_tokens.weight":
        return "embedding"
    return "matrix"
