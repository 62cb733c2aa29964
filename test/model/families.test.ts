// Every supported family: a tiny random-weight checkpoint in the family's Hugging Face layout
// (tensor names, shapes and config keys as transformers writes them) is loaded by lmlab, and its
// next-token log-probabilities are compared with a float64 reference written here from the
// families' modeling semantics (plain loops over the stored tensors, not the engine). Tolerance:
// 2e-3 absolute per log-probability (float32 engine against float64, weights of std 0.25).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.ts';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import { type GgufMetadata, type GgufTensorInput, type GgufValue, writeGguf } from '../../src/io/gguf.ts';
import type { NamedTensors } from '../../src/io/tensors.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { scoreTokens } from '../../src/model/score.ts';
import { generate, greedy } from '../../src/model/generate.ts';
import { TrainingWorkspace } from '../../src/model/llama.ts';
import { type Json, S, S16, type Shape, base, writeCheckpoint } from './family-checkpoints.ts';

const TOL = 2e-3;

// ---- the float64 reference ----------------------------------------------------------------

function rmsnorm(x: Float64Array, w: Float32Array, eps: number, unitOffset: boolean): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const r = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * r * (unitOffset ? 1 + w[i] : w[i]));
}

/** y = W x (+ b), W stored [out, in]; rows [from, from + out) of W. */
function matvec(w: Float32Array, inF: number, x: Float64Array, out: number, from = 0, b?: Float32Array): Float64Array {
  const y = new Float64Array(out);
  for (let o = 0; o < out; o++) {
    let s = b ? b[o] : 0;
    const base = (from + o) * inF;
    for (let i = 0; i < inF; i++) s += w[base + i] * x[i];
    y[o] = s;
  }
  return y;
}

/** Inverse frequencies of a rope variant (transformers' rope-utils formulas). */
function invFreqs(
  rope: Json | null,
  base: number,
  dim: number,
  maxPos: number,
  seqLen: number,
): { inv: number[]; mult: number } {
  const type = (rope?.rope_type ?? rope?.type ?? 'default') as string;
  const factor = (rope?.factor as number) ?? 1;
  let b = base;
  if (type === 'dynamic' && seqLen > maxPos)
    b = base * ((factor * seqLen) / maxPos - (factor - 1)) ** (dim / (dim - 2));
  const inv = Array.from({ length: dim / 2 }, (_, i) => 1 / b ** ((2 * i) / dim));
  if (type === 'linear') return { inv: inv.map((f) => f / factor), mult: 1 };
  if (type === 'llama3') {
    const old = rope!.original_max_position_embeddings as number;
    const lo = rope!.low_freq_factor as number;
    const hi = rope!.high_freq_factor as number;
    return {
      inv: inv.map((f) => {
        const wl = (2 * Math.PI) / f;
        if (wl < old / hi) return f;
        if (wl > old / lo) return f / factor;
        const sm = (old / wl - lo) / (hi - lo);
        return (1 - sm) * (f / factor) + sm * f;
      }),
      mult: 1,
    };
  }
  if (type === 'yarn') {
    const orig = rope!.original_max_position_embeddings as number;
    const corr = (rot: number) => (dim * Math.log(orig / (rot * 2 * Math.PI))) / (2 * Math.log(base));
    const low = Math.max(Math.floor(corr(32)), 0);
    const high = Math.min(Math.ceil(corr(1)), dim - 1);
    return {
      inv: inv.map((f, i) => {
        const ramp = Math.min(1, Math.max(0, (i - low) / (high === low ? 0.001 : high - low)));
        return (f / factor) * ramp + f * (1 - ramp);
      }),
      mult: 0.1 * Math.log(factor) + 1,
    };
  }
  return { inv, mult: 1 };
}

interface RefOptions {
  family: string;
  s: Shape;
  cfg: Json;
  eps: number;
  /** per layer: [window or 0, rope json, base] */
  layerRope: (l: number) => { window: number; rope: Json | null; base: number };
  rotary: number;
  maxPos: number;
  /**
   * The forward passes over a KV cache: passEnd(i) is the largest position + 1 of the pass that
   * holds position i (default: one pass). transformers' dynamic NTK recomputes the frequencies
   * from each pass's length, so a pass's queries and keys are rotated with the base of that
   * pass and the cached keys of earlier passes keep theirs.
   */
  passEnd?: (position: number) => number;
}

/** log p(token[i+1] | tokens[..i]) for every i, in float64. */
function reference(t: NamedTensors, o: RefOptions, ids: number[]): number[] {
  const { s, family } = o;
  const gemma = family.startsWith('gemma');
  const W = (n: string) => t.get(n)!.data;
  const has = (n: string) => t.has(n);
  const T = ids.length;
  const scale = gemma ? 1 / Math.sqrt((o.cfg.query_pre_attn_scalar as number) ?? 256) : 1 / Math.sqrt(s.headDim);
  const attnCap = gemma ? ((o.cfg.attn_logit_softcapping as number | null) ?? 0) : 0;
  const finalCap = gemma ? ((o.cfg.final_logit_softcapping as number | null) ?? 0) : 0;
  let h: Float64Array[] = ids.map((id) =>
    Float64Array.from(
      W('model.embed_tokens.weight').subarray(id * s.dim, (id + 1) * s.dim),
      (v) => v * (gemma ? Math.sqrt(s.dim) : 1),
    ),
  );
  const q = s.heads * s.headDim;
  const kvw = s.kvHeads * s.headDim;
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}.`;
    const lr = o.layerRope(l);
    // the scored forward passes hold T − 1 tokens (the last token only serves as a target)
    const passEnd = o.passEnd ?? (() => T - 1);
    const rotate = (vec: Float64Array, heads: number, pos: number) => {
      const { inv, mult } = invFreqs(lr.rope, lr.base, o.rotary, o.maxPos, passEnd(pos));
      for (let hh = 0; hh < heads; hh++) {
        for (let i = 0; i < o.rotary / 2; i++) {
          const a = vec[hh * s.headDim + i];
          const b = vec[hh * s.headDim + i + o.rotary / 2];
          const cos = Math.cos(pos * inv[i]) * mult;
          const sin = Math.sin(pos * inv[i]) * mult;
          vec[hh * s.headDim + i] = a * cos - b * sin;
          vec[hh * s.headDim + i + o.rotary / 2] = b * cos + a * sin;
        }
      }
    };
    const headNorm = (vec: Float64Array, heads: number, w: Float32Array) => {
      for (let hh = 0; hh < heads; hh++)
        vec.set(rmsnorm(vec.subarray(hh * s.headDim, (hh + 1) * s.headDim), w, o.eps, gemma), hh * s.headDim);
    };
    const Q: Float64Array[] = [],
      K: Float64Array[] = [],
      V: Float64Array[] = [];
    for (let i = 0; i < T; i++) {
      const x = rmsnorm(h[i], W(`${p}input_layernorm.weight`), o.eps, gemma);
      let qi: Float64Array;
      let ki: Float64Array;
      let vi: Float64Array;
      if (family === 'phi3') {
        const w = W(`${p}self_attn.qkv_proj.weight`);
        qi = matvec(w, s.dim, x, q, 0);
        ki = matvec(w, s.dim, x, kvw, q);
        vi = matvec(w, s.dim, x, kvw, q + kvw);
      } else {
        const bias = (n: string) => (has(`${p}self_attn.${n}.bias`) ? W(`${p}self_attn.${n}.bias`) : undefined);
        qi = matvec(W(`${p}self_attn.q_proj.weight`), s.dim, x, q, 0, bias('q_proj'));
        ki = matvec(W(`${p}self_attn.k_proj.weight`), s.dim, x, kvw, 0, bias('k_proj'));
        vi = matvec(W(`${p}self_attn.v_proj.weight`), s.dim, x, kvw, 0, bias('v_proj'));
      }
      if (has(`${p}self_attn.q_norm.weight`)) {
        headNorm(qi, s.heads, W(`${p}self_attn.q_norm.weight`));
        headNorm(ki, s.kvHeads, W(`${p}self_attn.k_norm.weight`));
      }
      rotate(qi, s.heads, i);
      rotate(ki, s.kvHeads, i);
      Q.push(qi);
      K.push(ki);
      V.push(vi);
    }
    const next: Float64Array[] = [];
    for (let i = 0; i < T; i++) {
      const att = new Float64Array(q);
      for (let hh = 0; hh < s.heads; hh++) {
        const g = Math.floor(hh / (s.heads / s.kvHeads));
        const sc: number[] = [];
        const js: number[] = [];
        for (let j = 0; j <= i; j++) {
          if (lr.window > 0 && j <= i - lr.window) continue;
          let d = 0;
          for (let e = 0; e < s.headDim; e++) d += Q[i][hh * s.headDim + e] * K[j][g * s.headDim + e];
          d *= scale;
          if (attnCap > 0) d = attnCap * Math.tanh(d / attnCap);
          sc.push(d);
          js.push(j);
        }
        const mx = Math.max(...sc);
        const ex = sc.map((v) => Math.exp(v - mx));
        const sum = ex.reduce((a, b) => a + b, 0);
        js.forEach((j, k) => {
          for (let e = 0; e < s.headDim; e++) att[hh * s.headDim + e] += (ex[k] / sum) * V[j][g * s.headDim + e];
        });
      }
      let out = matvec(
        W(`${p}self_attn.o_proj.weight`),
        q,
        att,
        s.dim,
        0,
        has(`${p}self_attn.o_proj.bias`) ? W(`${p}self_attn.o_proj.bias`) : undefined,
      );
      if (gemma) out = rmsnorm(out, W(`${p}post_attention_layernorm.weight`), o.eps, true);
      const mid = h[i].map((v, k) => v + out[k]);
      const x = rmsnorm(
        mid,
        W(gemma ? `${p}pre_feedforward_layernorm.weight` : `${p}post_attention_layernorm.weight`),
        o.eps,
        gemma,
      );
      let gate: Float64Array;
      let up: Float64Array;
      if (family === 'phi3') {
        gate = matvec(W(`${p}mlp.gate_up_proj.weight`), s.dim, x, s.ffn, 0);
        up = matvec(W(`${p}mlp.gate_up_proj.weight`), s.dim, x, s.ffn, s.ffn);
      } else {
        const bias = (n: string) => (has(`${p}mlp.${n}.bias`) ? W(`${p}mlp.${n}.bias`) : undefined);
        gate = matvec(W(`${p}mlp.gate_proj.weight`), s.dim, x, s.ffn, 0, bias('gate_proj'));
        up = matvec(W(`${p}mlp.up_proj.weight`), s.dim, x, s.ffn, 0, bias('up_proj'));
      }
      const act = gate.map(
        (g, k) =>
          (gemma
            ? 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g ** 3)))
            : g / (1 + Math.exp(-g))) * up[k],
      );
      let down = matvec(
        W(`${p}mlp.down_proj.weight`),
        s.ffn,
        act,
        s.dim,
        0,
        has(`${p}mlp.down_proj.bias`) ? W(`${p}mlp.down_proj.bias`) : undefined,
      );
      if (gemma) down = rmsnorm(down, W(`${p}post_feedforward_layernorm.weight`), o.eps, true);
      next.push(mid.map((v, k) => v + down[k]));
    }
    h = next;
  }
  const head = has('lm_head.weight') ? W('lm_head.weight') : W('model.embed_tokens.weight');
  const lp: number[] = [];
  for (let i = 0; i + 1 < T; i++) {
    const x = rmsnorm(h[i], W('model.norm.weight'), o.eps, gemma);
    const logits = matvec(head, s.dim, x, s.vocab).map((v) => (finalCap > 0 ? finalCap * Math.tanh(v / finalCap) : v));
    const mx = Math.max(...logits);
    const lse = mx + Math.log(logits.reduce((a, v) => a + Math.exp(v - mx), 0));
    lp.push(logits[ids[i + 1]] - lse);
  }
  return lp;
}

// ---- the families --------------------------------------------------------------------------

interface Case {
  name: string;
  family: string;
  s: Shape;
  cfg: Json;
  layerRope: (l: number) => { window: number; rope: Json | null; base: number };
  rotary?: number;
  maxPos?: number;
  tokens?: number;
  shards?: number;
}

const plain =
  (theta: number, rope: Json | null = null, window = 0) =>
  () => ({ window, rope, base: theta });
const llama3Scaling = {
  rope_type: 'llama3',
  factor: 8,
  low_freq_factor: 1,
  high_freq_factor: 4,
  original_max_position_embeddings: 16,
};

const CASES: Case[] = [
  {
    name: 'Llama 2 (no scaling, transformers 4 layout, sharded)',
    family: 'llama',
    s: S,
    cfg: base('llama', S, { hidden_act: 'silu', rope_theta: 10000, rope_scaling: null }),
    layerRope: plain(10000),
    shards: 3,
  },
  {
    name: 'Llama 3.1 (llama3 rope_scaling, transformers 4 layout)',
    family: 'llama',
    s: S,
    cfg: base('llama', S, { rope_theta: 500000, rope_scaling: llama3Scaling, tie_word_embeddings: true }),
    layerRope: plain(500000, llama3Scaling),
  },
  {
    name: 'Llama 3.2 (llama3 rope_parameters, transformers 5 layout)',
    family: 'llama',
    s: S,
    cfg: (() => {
      const c = base('llama', S, { rope_parameters: { ...llama3Scaling, rope_theta: 500000 }, dtype: 'float32' });
      delete c.torch_dtype;
      return c;
    })(),
    layerRope: plain(500000, llama3Scaling),
  },
  {
    name: 'Llama linear scaling',
    family: 'llama',
    s: S,
    cfg: base('llama', S, { rope_theta: 10000, rope_scaling: { type: 'linear', factor: 4 } }),
    layerRope: plain(10000, { type: 'linear', factor: 4 }),
  },
  {
    name: 'Llama dynamic NTK (context beyond max_position_embeddings)',
    family: 'llama',
    s: S,
    cfg: base('llama', S, {
      max_position_embeddings: 12,
      rope_theta: 10000,
      rope_scaling: { rope_type: 'dynamic', factor: 2 },
    }),
    layerRope: plain(10000, { rope_type: 'dynamic', factor: 2 }),
    maxPos: 12,
    tokens: 20,
  },
  {
    name: 'Llama yarn',
    family: 'llama',
    s: S,
    cfg: base('llama', S, {
      max_position_embeddings: 64,
      rope_theta: 10000,
      rope_scaling: { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16 },
    }),
    layerRope: plain(10000, { rope_type: 'yarn', factor: 4, original_max_position_embeddings: 16 }),
  },
  {
    name: 'Llama with attention and MLP biases',
    family: 'llama',
    s: S,
    cfg: base('llama', S, { rope_theta: 10000, attention_bias: true, mlp_bias: true }),
    layerRope: plain(10000),
  },
  {
    name: 'Mistral (sliding window 5)',
    family: 'mistral',
    s: S,
    cfg: base('mistral', S, { rope_theta: 1e6, sliding_window: 5 }),
    layerRope: plain(1e6, null, 5),
  },
  {
    name: 'Qwen2.5 (q/k/v bias)',
    family: 'qwen2',
    s: S,
    cfg: base('qwen2', S, {
      rope_theta: 1e6,
      use_sliding_window: false,
      sliding_window: 4,
      max_window_layers: 1,
      tie_word_embeddings: true,
    }),
    layerRope: plain(1e6),
  },
  {
    name: 'Qwen3 (q/k norm, head_dim 16 ≠ hidden/heads)',
    family: 'qwen3',
    s: S16,
    cfg: base('qwen3', S16, { rope_theta: 1e6, attention_bias: false }),
    layerRope: plain(1e6),
  },
  {
    name: 'Gemma 2 (soft-capping, sandwich norms, alternating windows)',
    family: 'gemma2',
    s: S16,
    cfg: base('gemma2', S16, {
      hidden_activation: 'gelu_pytorch_tanh',
      rope_theta: 10000,
      sliding_window: 4,
      query_pre_attn_scalar: 24,
      attn_logit_softcapping: 5,
      final_logit_softcapping: 3,
      tie_word_embeddings: true,
    }),
    layerRope: (l) => ({ window: l % 2 === 0 ? 4 : 0, rope: null, base: 10000 }),
  },
  {
    name: 'Gemma 3 text (q/k norm, local/global RoPE bases, linear scaling on global layers)',
    family: 'gemma3_text',
    s: S16,
    cfg: base('gemma3_text', S16, {
      hidden_activation: 'gelu_pytorch_tanh',
      rope_theta: 1e6,
      rope_local_base_freq: 10000,
      rope_scaling: { rope_type: 'linear', factor: 8 },
      sliding_window: 4,
      sliding_window_pattern: 2,
      query_pre_attn_scalar: 16,
      final_logit_softcapping: null,
      attn_logit_softcapping: null,
      tie_word_embeddings: true,
    }),
    layerRope: (l) =>
      (l + 1) % 2 !== 0
        ? { window: 4, rope: null, base: 10000 }
        : { window: 0, rope: { rope_type: 'linear', factor: 8 }, base: 1e6 },
  },
  {
    name: 'Gemma 3 text, transformers 5 layout (layer_types, rope_parameters per layer type)',
    family: 'gemma3_text',
    s: S16,
    cfg: (() => {
      const c = base('gemma3_text', S16, {
        hidden_activation: 'gelu_pytorch_tanh',
        sliding_window: 4,
        query_pre_attn_scalar: 16,
        tie_word_embeddings: true,
        dtype: 'float32',
        layer_types: ['sliding_attention', 'full_attention', 'sliding_attention'],
        rope_parameters: {
          full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 },
          sliding_attention: { rope_type: 'default', rope_theta: 10000 },
        },
      });
      delete c.torch_dtype;
      return c;
    })(),
    layerRope: (l) =>
      l !== 1
        ? { window: 4, rope: null, base: 10000 }
        : { window: 0, rope: { rope_type: 'linear', factor: 8 }, base: 1e6 },
  },
  {
    name: 'Phi-3 (fused qkv and gate_up, sliding window, partial rotary)',
    family: 'phi3',
    s: S,
    cfg: base('phi3', S, { rope_theta: 10000, sliding_window: 6, partial_rotary_factor: 0.5 }),
    layerRope: plain(10000, null, 6),
    rotary: 4,
  },
];

function promptIds(n: number, vocab: number, seed: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.int(vocab));
}

for (const [index, c] of CASES.entries()) {
  test(`${c.name}: log-probabilities match the float64 reference`, async () => {
    const { dir, tensors } = writeCheckpoint(c.family, c.s, c.cfg, 100 + index, c.shards ?? 1);
    try {
      const loaded = await loadModelDir(dir);
      assert.equal(loaded.bosTokenId, 1);
      assert.equal(loaded.eosTokenId, 2);
      const ids = promptIds(c.tokens ?? 16, c.s.vocab, 7 + index);
      const refOptions: RefOptions = {
        family: c.family,
        s: c.s,
        cfg: c.cfg,
        eps: 1e-6,
        layerRope: c.layerRope,
        rotary: c.rotary ?? c.s.headDim,
        maxPos: c.maxPos ?? (c.cfg.max_position_embeddings as number),
      };
      const expected = reference(tensors, refOptions, ids);
      // one chunk and several chunks (the KV cache, windows across chunk borders); dynamic NTK
      // follows the length of each forward pass, so its reference is computed pass by pass
      for (const chunk of [64, 3]) {
        const got = scoreTokens(loaded.model, Int32Array.from(ids), 1, chunk);
        const passEnd = (i: number) => Math.min(ids.length - 1, (Math.floor(i / chunk) + 1) * chunk);
        const want = c.name.includes('dynamic') ? reference(tensors, { ...refOptions, passEnd }, ids) : expected;
        assert.equal(got.logprobs.length, want.length);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.logprobs[i] - want[i]));
        assert.ok(worst < TOL, `chunk ${chunk}: max |Δ log p| ${worst}`);
      }
      // the sequence's spread is real: log-probabilities are not all equal
      assert.ok(Math.max(...expected) - Math.min(...expected) > 0.5);
      // decode (GEMV path) continues the prefill consistently with a full recomputation
      const session = new InferenceSession(loaded.model, { chunk: 4 });
      const out = generate(session, Int32Array.from(ids.slice(0, 6)), { sampling: greedy, maxTokens: 4 });
      const again = scoreTokens(loaded.model, Int32Array.from([...ids.slice(0, 6), ...out.tokens]), 6, 64);
      for (const lp of again.logprobs)
        assert.ok(lp > -Math.log(c.s.vocab) - 3, 'greedy tokens are likely under a full recomputation');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('dynamic NTK: chunked prefill and decode rotate each forward pass as transformers does', async () => {
  // transformers recomputes the dynamic NTK frequencies from max(position_ids) + 1 of every
  // forward call and caches keys already rotated; generate() prefills, then decodes one token
  // per call. The same prompt in one pass or in chunks therefore differs past the original
  // context, in transformers and here alike: both sides follow the passes.
  const index = CASES.findIndex((k) => k.name.includes('dynamic'));
  const c = CASES[index];
  const { dir, tensors } = writeCheckpoint(c.family, c.s, c.cfg, 100 + index);
  try {
    const loaded = await loadModelDir(dir);
    const ids = promptIds(22, c.s.vocab, 70);
    const prompt = 6;
    const chunk = 4;
    const passEnd = (i: number) => (i < prompt ? Math.min(prompt, (Math.floor(i / chunk) + 1) * chunk) : i + 1);
    const want = reference(
      tensors,
      {
        family: c.family,
        s: c.s,
        cfg: c.cfg,
        eps: 1e-6,
        layerRope: c.layerRope,
        rotary: c.s.headDim,
        maxPos: 12,
        passEnd,
      },
      ids,
    );
    const onePass = reference(
      tensors,
      { family: c.family, s: c.s, cfg: c.cfg, eps: 1e-6, layerRope: c.layerRope, rotary: c.s.headDim, maxPos: 12 },
      ids,
    );
    const session = new InferenceSession(loaded.model, { chunk });
    const logp = (logits: Float32Array, id: number) => {
      let mx = -Infinity;
      for (const v of logits) mx = Math.max(mx, v);
      let sum = 0;
      for (const v of logits) sum += Math.exp(v - mx);
      return logits[id] - mx - Math.log(sum);
    };
    let logits = session.prefill(Int32Array.from(ids.slice(0, prompt))).data;
    let worst = 0;
    let apart = 0;
    for (let i = prompt - 1; i + 1 < ids.length; i++) {
      if (i >= prompt) logits = session.decode(ids[i]).data;
      const got = logp(logits, ids[i + 1]);
      worst = Math.max(worst, Math.abs(got - want[i]));
      apart = Math.max(apart, Math.abs(want[i] - onePass[i]));
    }
    assert.ok(worst < TOL, `decode: max |Δ log p| ${worst}`);
    // the passes matter: one pass over the whole sequence gives other log-probabilities
    assert.ok(apart > 50 * TOL, `one pass and pass by pass differ by only ${apart}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unsupported checkpoints are refused with the field and what is supported', async () => {
  const cases: Array<[Json, RegExp]> = [
    [
      base('gpt2', S, {}),
      /model_type "gpt2" is not supported \(supported: llama, mistral, qwen2, qwen3, gemma2, gemma3_text, phi3\)/,
    ],
    [
      base('llama', S, { rope_scaling: { rope_type: 'longrope', factor: 2 } }),
      /rope_scaling type "longrope" is not supported \(supported: default, linear, dynamic, llama3, yarn\)/,
    ],
    [
      base('llama', S, { rope_parameters: { rope_type: 'su', rope_theta: 1 } }),
      /rope_parameters type "su" is not supported/,
    ],
    [base('llama', S, { hidden_act: 'relu' }), /hidden_act "relu" is not supported/],
  ];
  for (const [cfg, pattern] of cases) {
    const { dir } = writeCheckpoint('llama', S, { ...cfg, model_type: 'llama' }, 1);
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
      await assert.rejects(loadModelDir(dir), pattern);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-bin-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify(base('llama', S, {})));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'x');
    await assert.rejects(loadModelDir(dir), /pytorch_model.bin is not supported/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('families the backward pass does not implement refuse training', async () => {
  const cfg = base('gemma2', S16, {
    hidden_activation: 'gelu_pytorch_tanh',
    sliding_window: 4,
    tie_word_embeddings: true,
  });
  const { dir } = writeCheckpoint('gemma2', S16, cfg, 5);
  try {
    const { model } = await loadModelDir(dir);
    assert.equal(model.arch.trainable, false);
    const ws = new TrainingWorkspace(model.config, 1, 6);
    assert.throws(() => model.forwardBackward(ws, smallBatch(), model.params.like(), 1), /gemma2 architecture/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function smallBatch() {
  return {
    tokens: Int32Array.from([1, 2, 3, 4, 5, 6]),
    targets: Int32Array.from([2, 3, 4, 5, 6, 7]),
    positions: Int32Array.from([0, 1, 2, 3, 4, 5]),
    segments: null,
  };
}

const BIAS_CASES: Array<{ name: string; family: string; cfg: Json; biases: string[] }> = [
  {
    name: 'Qwen2 trains: q/k/v bias gradients match finite differences',
    family: 'qwen2',
    cfg: base('qwen2', S, { rope_theta: 10000 }),
    biases: ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj'],
  },
  {
    name: 'Llama with attention_bias and mlp_bias trains: every bias gradient matches finite differences',
    family: 'llama',
    cfg: base('llama', S, { rope_theta: 10000, attention_bias: true, mlp_bias: true }),
    biases: [
      'self_attn.q_proj',
      'self_attn.k_proj',
      'self_attn.v_proj',
      'self_attn.o_proj',
      'mlp.gate_proj',
      'mlp.up_proj',
      'mlp.down_proj',
    ],
  },
];

for (const c of BIAS_CASES) {
  test(c.name, async () => {
    const { dir } = writeCheckpoint(c.family, S, c.cfg, 6);
    try {
      const { model } = await loadModelDir(dir);
      assert.equal(model.arch.trainable, true);
      const ws = new TrainingWorkspace(model.config, 1, 6);
      const batch = smallBatch();
      const grads = model.params.like();
      model.forwardBackward(ws, batch, grads, 1);
      for (const layer of [0, 2]) {
        for (const name of c.biases) {
          const full = `model.layers.${layer}.${name}.bias`;
          const bias = model.params.get(full).data;
          const g = grads.get(full).data;
          let err = 0;
          let ref = 0;
          for (const i of [0, 3, 7]) {
            const saved = bias[i];
            const h = 1e-2;
            bias[i] = saved + h;
            const plus = model.forward(ws, batch).sum;
            bias[i] = saved - h;
            const minus = model.forward(ws, batch).sum;
            bias[i] = saved;
            const numeric = (plus - minus) / (2 * h);
            err += (numeric - g[i]) ** 2;
            ref += numeric ** 2;
          }
          assert.ok(ref > 1e-6, `${full}: the loss depends on it`);
          assert.ok(Math.sqrt(err) / Math.sqrt(ref) < 3e-2, `${full} gradient: relative error ${Math.sqrt(err / ref)}`);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('AdaSkip calibrates and skips on another family (Gemma 3): skipping changes work done, not the API', async () => {
  const { calibrate } = await import('../../src/adaskip/calibrate.ts');
  const { createAdaSkipHooks } = await import('../../src/adaskip/controller.ts');
  const cfg = base('gemma3_text', S16, {
    hidden_activation: 'gelu_pytorch_tanh',
    sliding_window: 4,
    sliding_window_pattern: 2,
    query_pre_attn_scalar: 16,
    tie_word_embeddings: true,
  });
  const { dir } = writeCheckpoint('gemma3_text', S16, cfg, 8);
  try {
    const { model } = await loadModelDir(dir);
    const profile = calibrate(
      model,
      [Int32Array.from(promptIds(12, S16.vocab, 1)), Int32Array.from(promptIds(9, S16.vocab, 2))],
      { chunk: 4 },
    );
    assert.equal(profile.attn.similarity.length, S16.layers);
    const prompt = Int32Array.from(promptIds(10, S16.vocab, 3));
    const dense = generate(new InferenceSession(model, { chunk: 4 }), prompt, { sampling: greedy, maxTokens: 6 });
    // nothing skipped: the same tokens as the dense engine
    const none = createAdaSkipHooks(model, profile, { mode: 'e2e', alpha: 0 });
    assert.deepEqual(
      generate(none.newSession(model, 4), prompt, { sampling: greedy, maxTokens: 6 }).tokens,
      dense.tokens,
    );
    const some = createAdaSkipHooks(model, profile, { mode: 'e2e', n: 2 });
    const run = generate(some.newSession(model, 4), prompt, { sampling: greedy, maxTokens: 6 });
    assert.equal(run.tokens.length, 6);
    assert.equal(some.stats().offlineCount, 2);
    assert.ok(some.stats().flopShareSkipped > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- the same checkpoints as llama.cpp files -------------------------------------------------

/** A Hugging Face-named checkpoint written as llama.cpp lays out a GGUF of that architecture. */
function writeLlamaCppGguf(path: string, arch: string, s: Shape, cfg: Json, tensors: NamedTensors): void {
  const gemma = arch.startsWith('gemma');
  const u32 = (value: number) => ({ type: 'u32' as const, value });
  const f32 = (value: number) => ({ type: 'f32' as const, value });
  const meta: GgufMetadata = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: arch }],
    [`${arch}.context_length`, u32(cfg.max_position_embeddings as number)],
    [`${arch}.embedding_length`, u32(s.dim)],
    [`${arch}.block_count`, u32(s.layers)],
    [`${arch}.feed_forward_length`, u32(s.ffn)],
    [`${arch}.attention.head_count`, u32(s.heads)],
    [`${arch}.attention.head_count_kv`, u32(s.kvHeads)],
    [`${arch}.attention.key_length`, u32(s.headDim)],
    [`${arch}.attention.value_length`, u32(s.headDim)],
    [`${arch}.rope.freq_base`, f32(cfg.rope_theta as number)],
    [`${arch}.attention.layer_norm_rms_epsilon`, f32(1e-6)],
    [`${arch}.rope.dimension_count`, u32(Math.round(s.headDim * ((cfg.partial_rotary_factor as number) ?? 1)))],
  ]);
  if (cfg.sliding_window) meta.set(`${arch}.attention.sliding_window`, u32(cfg.sliding_window as number));
  if (arch === 'gemma2') {
    meta.set('gemma2.attn_logit_softcapping', f32(cfg.attn_logit_softcapping as number));
    meta.set('gemma2.final_logit_softcapping', f32(cfg.final_logit_softcapping as number));
  }
  const tokens = Array.from({ length: s.vocab }, (_, i) => `t${i}`);
  meta.set('tokenizer.ggml.model', { type: 'string', value: 'gpt2' });
  meta.set('tokenizer.ggml.tokens', { type: 'array', itemType: 'string', value: tokens });
  meta.set('tokenizer.ggml.merges', { type: 'array', itemType: 'string', value: [] });
  const names: Record<string, string> = {
    input_layernorm: 'attn_norm',
    'self_attn.q_proj': 'attn_q',
    'self_attn.k_proj': 'attn_k',
    'self_attn.v_proj': 'attn_v',
    'self_attn.o_proj': 'attn_output',
    'self_attn.qkv_proj': 'attn_qkv',
    'self_attn.q_norm': 'attn_q_norm',
    'self_attn.k_norm': 'attn_k_norm',
    post_attention_layernorm: gemma ? 'post_attention_norm' : 'ffn_norm',
    pre_feedforward_layernorm: 'ffn_norm',
    post_feedforward_layernorm: 'post_ffw_norm',
    'mlp.gate_proj': 'ffn_gate',
    'mlp.up_proj': 'ffn_up',
    'mlp.gate_up_proj': 'ffn_up',
    'mlp.down_proj': 'ffn_down',
  };
  const out: GgufTensorInput[] = [];
  for (const [name, t] of tensors) {
    const m = /^model\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
    const g =
      name === 'model.embed_tokens.weight'
        ? 'token_embd.weight'
        : name === 'model.norm.weight'
          ? 'output_norm.weight'
          : name === 'lm_head.weight'
            ? 'output.weight'
            : `blk.${m![1]}.${names[m![2]]}.${m![3]}`;
    // llama.cpp's converter stores Gemma's norm scales as 1 + w
    const data = gemma && name.includes('norm') ? t.data.map((v) => v + 1) : t.data;
    out.push({ name: g, shape: [...t.shape], type: 'F32', data });
  }
  writeGguf(path, meta, out);
}

for (const which of [
  'Qwen2.5 (q/k/v bias)',
  'Qwen3 (q/k norm, head_dim 16 ≠ hidden/heads)',
  'Gemma 2 (soft-capping, sandwich norms, alternating windows)',
  'Phi-3 (fused qkv and gate_up, sliding window, partial rotary)',
]) {
  const c = CASES.find((x) => x.name === which)!;
  const arch = c.family === 'gemma3_text' ? 'gemma3' : c.family;
  test(`GGUF in (${arch}): the same weights as a llama.cpp file score like the Hugging Face folder`, async () => {
    const cfg = arch === 'gemma2' ? { ...c.cfg, query_pre_attn_scalar: c.s.headDim } : c.cfg;
    const { dir, tensors } = writeCheckpoint(c.family, c.s, cfg, 300, 1);
    try {
      const path = join(dir, 'model.gguf');
      writeLlamaCppGguf(path, arch, c.s, cfg, tensors);
      const ids = Int32Array.from(promptIds(14, c.s.vocab, 9));
      const fromHf = scoreTokens((await loadModelDir(dir)).model, ids, 1, 64).logprobs;
      const fromGguf = scoreTokens((await loadModelDir(path)).model, ids, 1, 64).logprobs;
      fromHf.forEach((lp, i) => assert.ok(Math.abs(lp - fromGguf[i]) < 1e-4, `${i}: ${lp} vs ${fromGguf[i]}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
