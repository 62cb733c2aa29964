// Tiny random-weight checkpoints in each family's exact Hugging Face layout (tensor names,
// shapes and config keys as transformers writes them), shared by the family tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.ts';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import type { NamedTensors } from '../../src/io/tensors.ts';

export type Json = Record<string, unknown>;

// ---- building a checkpoint in the family's layout -------------------------------------------

export interface Shape {
  vocab: number;
  dim: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  ffn: number;
}

export function tensorNames(family: string, s: Shape, cfg: Json): Map<string, number[]> {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const m = new Map<string, number[]>();
  m.set('model.embed_tokens.weight', [s.vocab, s.dim]);
  const gemma = family.startsWith('gemma');
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}.`;
    m.set(`${p}input_layernorm.weight`, [s.dim]);
    if (family === 'phi3') m.set(`${p}self_attn.qkv_proj.weight`, [q + 2 * kv, s.dim]);
    else {
      m.set(`${p}self_attn.q_proj.weight`, [q, s.dim]);
      m.set(`${p}self_attn.k_proj.weight`, [kv, s.dim]);
      m.set(`${p}self_attn.v_proj.weight`, [kv, s.dim]);
    }
    m.set(`${p}self_attn.o_proj.weight`, [s.dim, q]);
    if (family === 'qwen2' || cfg.attention_bias === true) {
      m.set(`${p}self_attn.q_proj.bias`, [q]);
      m.set(`${p}self_attn.k_proj.bias`, [kv]);
      m.set(`${p}self_attn.v_proj.bias`, [kv]);
    }
    if (cfg.attention_bias === true) m.set(`${p}self_attn.o_proj.bias`, [s.dim]);
    if (family === 'qwen3' || family === 'gemma3_text') {
      m.set(`${p}self_attn.q_norm.weight`, [s.headDim]);
      m.set(`${p}self_attn.k_norm.weight`, [s.headDim]);
    }
    m.set(`${p}post_attention_layernorm.weight`, [s.dim]);
    if (gemma) {
      m.set(`${p}pre_feedforward_layernorm.weight`, [s.dim]);
      m.set(`${p}post_feedforward_layernorm.weight`, [s.dim]);
    }
    if (family === 'phi3') m.set(`${p}mlp.gate_up_proj.weight`, [2 * s.ffn, s.dim]);
    else {
      m.set(`${p}mlp.gate_proj.weight`, [s.ffn, s.dim]);
      m.set(`${p}mlp.up_proj.weight`, [s.ffn, s.dim]);
    }
    m.set(`${p}mlp.down_proj.weight`, [s.dim, s.ffn]);
    if (cfg.mlp_bias === true) {
      m.set(`${p}mlp.gate_proj.bias`, [s.ffn]);
      m.set(`${p}mlp.up_proj.bias`, [s.ffn]);
      m.set(`${p}mlp.down_proj.bias`, [s.dim]);
    }
  }
  m.set('model.norm.weight', [s.dim]);
  if (cfg.tie_word_embeddings !== true) m.set('lm_head.weight', [s.vocab, s.dim]);
  return m;
}

export function randomTensors(names: Map<string, number[]>, seed: number): NamedTensors {
  const rng = new Rng(seed);
  const out: NamedTensors = new Map();
  for (const [name, shape] of names) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    // norms near their identity scale (Gemma stores w for 1 + w), the rest N(0, 0.25²)
    const isNorm = name.includes('norm');
    for (let i = 0; i < n; i++) data[i] = isNorm ? 1 + 0.2 * rng.normal() : 0.25 * rng.normal();
    out.set(name, { shape, data });
  }
  return out;
}

export function writeCheckpoint(
  family: string,
  s: Shape,
  cfg: Json,
  seed: number,
  shards = 1,
): { dir: string; tensors: NamedTensors } {
  const dir = mkdtempSync(join(tmpdir(), `lmlab-${family}-`));
  const tensors = randomTensors(tensorNames(family, s, cfg), seed);
  if (shards === 1) {
    writeSafetensors(join(dir, 'model.safetensors'), tensors, { metadata: { format: 'pt' } });
  } else {
    const names = [...tensors.keys()];
    const per = Math.ceil(names.length / shards);
    const weightMap: Record<string, string> = {};
    for (let i = 0; i < shards; i++) {
      const file = `model-0000${i + 1}-of-0000${shards}.safetensors`;
      const part: NamedTensors = new Map(names.slice(i * per, (i + 1) * per).map((n) => [n, tensors.get(n)!]));
      writeSafetensors(join(dir, file), part, { metadata: { format: 'pt' } });
      for (const n of part.keys()) weightMap[n] = file;
    }
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }),
    );
  }
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg, null, 2));
  return { dir, tensors };
}

export const S: Shape = { vocab: 48, dim: 32, layers: 3, heads: 4, kvHeads: 2, headDim: 8, ffn: 40 };
export const S16: Shape = { ...S, headDim: 16 };

export function base(modelType: string, s: Shape, extra: Json): Json {
  return {
    architectures: ['X'],
    model_type: modelType,
    vocab_size: s.vocab,
    hidden_size: s.dim,
    intermediate_size: s.ffn,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: s.headDim,
    max_position_embeddings: 64,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    bos_token_id: 1,
    eos_token_id: 2,
    ...extra,
  };
}
