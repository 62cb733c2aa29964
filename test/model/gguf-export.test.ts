// Every family llama.cpp implements, exported to GGUF: a tiny random-weight checkpoint in the
// family's Hugging Face layout is loaded by lmlab, written as a llama.cpp model file, and run by
// llama.cpp (node-llama-cpp, installed by `npm run bench:infer:setup`) and by lmlab on that same
// file: the same 32 greedy tokens, which are also lmlab's tokens on the original folder.
//
// Random tiny weights give nearly tied logits, where float rounding alone could flip a token, so
// the logits are scaled up (the final norm ×16) and every greedy step is required to win by a clear margin; the
// layers keep their full weight (std 0.25 against unit-scale norms), so a wrong tensor layout,
// norm convention, RoPE order or window changes the tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GgufTokenizerData } from '../../src/io/gguf-vocab.ts';
import { GgufFile } from '../../src/io/gguf.ts';
import { Rng } from '../../src/util/rng.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import type { LlamaModel } from '../../src/model/llama.ts';
import { loadHfWeights, loadModelDir } from '../../src/model/load.ts';
import { exportFamilyGguf } from '../../src/model/gguf-export.ts';
import { bytesToTokenString } from '../../src/tokenizer/index.ts';
import { LlamaCppPeer } from '../../bench/llama-cpp/peer-client.ts';
import { type Json, type Shape, base, randomTensors, tensorNames, writeCheckpoint } from './family-checkpoints.ts';
import { writeSafetensors } from '../../src/io/safetensors.ts';

const VOCAB = 320;
const E: Shape = { vocab: VOCAB, dim: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, ffn: 96 };
const STEPS = 32;
const MIN_MARGIN = 0.01;
const HEAD_SCALE = 16;

/** 256 byte tokens, two-byte tokens with their merges, then BOS and EOS. */
function vocabulary(size: number): GgufTokenizerData {
  const bytes = Array.from({ length: 256 }, (_, b) => bytesToTokenString(Uint8Array.of(b)));
  const tokens = [...bytes];
  const merges: string[] = [];
  const letters = bytes.slice(97, 123);
  outer: for (const left of letters) {
    for (const right of letters) {
      if (tokens.length >= size - 2) break outer;
      tokens.push(left + right);
      merges.push(`${left} ${right}`);
    }
  }
  tokens.push('<s>', '</s>');
  return { tokens, merges, bosTokenId: size - 2, eosTokenId: size - 1 };
}

/** Greedy tokens and the smallest top-1 − top-2 logit gap along the way. */
function greedyWithMargin(model: LlamaModel, prompt: Int32Array): { tokens: number[]; margin: number } {
  const session = new InferenceSession(model, { chunk: 64 });
  let logits = session.prefill(prompt).data;
  const tokens: number[] = [];
  let margin = Infinity;
  for (let step = 0; step < STEPS; step++) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    let second = -Infinity;
    for (let i = 0; i < logits.length; i++) if (i !== best) second = Math.max(second, logits[i]);
    margin = Math.min(margin, logits[best] - second);
    tokens.push(best);
    if (step + 1 < STEPS) logits = session.decode(best).data;
  }
  return { tokens, margin };
}

interface Case {
  name: string;
  family: string;
  s: Shape;
  cfg: Json;
  /** the note the export must give (llama.cpp leaves the window out) */
  note?: RegExp;
  /** final norm scale instead of HEAD_SCALE (Gemma 2's logit cap flattens large logits) */
  scale?: number;
}

const CASES: Case[] = [
  {
    name: 'Llama 3.1 (llama3 RoPE factors as rope_freqs, GQA, Q/K rows interleaved)',
    family: 'llama',
    s: E,
    cfg: base('llama', E, {
      max_position_embeddings: 128,
      rope_theta: 500000,
      rope_scaling: {
        rope_type: 'llama3',
        factor: 8,
        low_freq_factor: 1,
        high_freq_factor: 4,
        original_max_position_embeddings: 16,
      },
    }),
  },
  {
    name: 'Llama with attention and MLP biases (linear RoPE scaling)',
    family: 'llama',
    s: E,
    cfg: base('llama', E, {
      max_position_embeddings: 128,
      rope_theta: 10000,
      rope_scaling: { type: 'linear', factor: 2 },
      attention_bias: true,
      mlp_bias: true,
    }),
  },
  {
    name: 'Mistral (llama architecture; the sliding window is left to full attention)',
    family: 'mistral',
    s: E,
    cfg: base('mistral', E, { max_position_embeddings: 128, rope_theta: 1e6, sliding_window: 8 }),
    note: /sliding window 8 not written: llama\.cpp's llama architecture attends to the whole context/,
  },
  {
    name: 'Qwen2.5 (q/k/v biases, tied embeddings)',
    family: 'qwen2',
    s: E,
    cfg: base('qwen2', E, { max_position_embeddings: 128, rope_theta: 1e6, tie_word_embeddings: true }),
  },
  {
    name: 'Qwen3 (q/k RMSNorm, head_dim 24 ≠ hidden/heads)',
    family: 'qwen3',
    s: { ...E, headDim: 24 },
    cfg: base('qwen3', { ...E, headDim: 24 }, { max_position_embeddings: 128, rope_theta: 1e6 }),
  },
  {
    name: 'Gemma 2 (soft-capping, sandwich norms, (1 + w) norms, alternating window 5)',
    family: 'gemma2',
    s: E,
    cfg: base('gemma2', E, {
      max_position_embeddings: 128,
      hidden_activation: 'gelu_pytorch_tanh',
      rope_theta: 10000,
      sliding_window: 5,
      query_pre_attn_scalar: 16,
      // caps low enough to bend the scores and logits of this tiny model
      attn_logit_softcapping: 5,
      final_logit_softcapping: 60,
      tie_word_embeddings: true,
    }),
    scale: 8,
  },
  {
    name: 'Gemma 3 text (q/k norm, window 5 on five layers in six, local base 10000, linear scaling on global layers)',
    family: 'gemma3_text',
    s: { ...E, layers: 6 },
    cfg: base(
      'gemma3_text',
      { ...E, layers: 6 },
      {
        max_position_embeddings: 128,
        hidden_activation: 'gelu_pytorch_tanh',
        rope_theta: 1e6,
        rope_local_base_freq: 10000,
        rope_scaling: { rope_type: 'linear', factor: 8 },
        sliding_window: 5,
        query_pre_attn_scalar: 16,
        final_logit_softcapping: null,
        attn_logit_softcapping: null,
        tie_word_embeddings: true,
      },
    ),
  },
  {
    name: 'Phi-3 (fused qkv and gate_up, partial rotary)',
    family: 'phi3',
    s: E,
    cfg: base('phi3', E, {
      max_position_embeddings: 128,
      rope_theta: 10000,
      sliding_window: 2047,
      partial_rotary_factor: 0.5,
    }),
  },
];

for (const [index, c] of CASES.entries()) {
  test(`GGUF export, ${c.name}: llama.cpp and lmlab give the same ${STEPS} greedy tokens on the file`, async () => {
    const { dir } = writeCheckpoint(c.family, c.s, c.cfg, 300 + index);
    try {
      // peaked logits: the final norm's scale ×8 (Gemma stores w of 1 + w), written back
      const tensors = randomTensors(tensorNames(c.family, c.s, c.cfg), 300 + index);
      const finalNorm = tensors.get('model.norm.weight')!.data;
      const unitOffset = c.family.startsWith('gemma');
      const scale = c.scale ?? HEAD_SCALE;
      for (let i = 0; i < finalNorm.length; i++)
        finalNorm[i] = unitOffset ? scale * (1 + finalNorm[i]) - 1 : scale * finalNorm[i];
      writeSafetensors(join(dir, 'model.safetensors'), tensors, { metadata: { format: 'pt' } });

      const { model } = loadHfWeights(dir);
      const path = join(dir, 'model.gguf');
      const notes = exportFamilyGguf(path, model, vocabulary(VOCAB));
      if (c.note) assert.match(notes.join('\n'), c.note);
      else assert.deepEqual(notes, []);

      const prompt = Int32Array.from({ length: 12 }, (_, i) => new Rng(40 + index * 13 + i).int(VOCAB - 2));
      const fromFile = (await loadModelDir(path)).model;
      const ours = greedyWithMargin(fromFile, prompt);
      assert.ok(ours.margin > MIN_MARGIN, `greedy steps must be decisive: smallest top-2 gap ${ours.margin}`);
      assert.ok(new Set(ours.tokens).size >= 2, `not one token repeated: ${ours.tokens}`);
      if (!c.note) {
        // without anything left out, the file computes what the folder computes
        assert.deepEqual(greedyWithMargin(model, prompt).tokens, ours.tokens);
      }
      const peer = await LlamaCppPeer.start(path, 64, 2);
      try {
        const theirs = (await peer.decode(prompt, STEPS)).tokens;
        assert.deepEqual(theirs, ours.tokens);
      } finally {
        await peer.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('GGUF export names llama.cpp architectures and tensors per family', async () => {
  const c = CASES.find((k) => k.family === 'phi3')!;
  const { dir } = writeCheckpoint(c.family, c.s, c.cfg, 1);
  try {
    const { model } = loadHfWeights(dir);
    const path = join(dir, 'model.gguf');
    exportFamilyGguf(path, model, vocabulary(VOCAB), { fileType: 'F16' });
    const file = GgufFile.open(path);
    try {
      assert.equal(file.metadata.get('general.architecture')?.value, 'phi3');
      assert.equal(file.metadata.get('phi3.rope.dimension_count')?.value, 8);
      assert.deepEqual(file.info('blk.0.attn_qkv.weight').shape, [(E.heads + 2 * E.kvHeads) * E.headDim, E.dim]);
      assert.equal(file.info('blk.0.attn_qkv.weight').typeName, 'F16');
      assert.equal(file.info('blk.0.attn_norm.weight').typeName, 'F32');
      assert.equal(file.has('blk.0.attn_q.weight'), false);
    } finally {
      file.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lmlab weights to-gguf converts a Qwen2 folder: qwen2 architecture, special tokens, same logits', async () => {
  const c = CASES.find((k) => k.family === 'qwen2')!;
  const { dir } = writeCheckpoint(c.family, c.s, c.cfg, 7);
  try {
    const v = vocabulary(VOCAB);
    const json = {
      version: '1.0',
      added_tokens: [
        { id: VOCAB - 2, content: '<s>', special: true },
        { id: VOCAB - 1, content: '</s>', special: true },
      ],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        byte_fallback: false,
        vocab: Object.fromEntries(v.tokens.map((t, i) => [t, i])),
        merges: v.merges,
      },
    };
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
    const cfg = { ...c.cfg, bos_token_id: VOCAB - 2, eos_token_id: VOCAB - 1 };
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    const path = join(dir, 'out.gguf');
    const r = spawnSync(process.execPath, ['bin/lmlab.js', 'weights', 'to-gguf', dir, path, '--f16'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /out\.gguf: qwen2 \(qwen2\), 2 layers, dim 64, vocab 320, F16/);
    const file = GgufFile.open(path);
    try {
      assert.equal(file.metadata.get('general.architecture')?.value, 'qwen2');
      assert.equal(file.metadata.get('tokenizer.ggml.bos_token_id')?.value, VOCAB - 2);
      assert.equal(file.metadata.get('tokenizer.ggml.eos_token_id')?.value, VOCAB - 1);
      assert.equal(file.has('blk.0.attn_q.bias'), true);
      assert.equal(file.info('blk.0.attn_q.weight').typeName, 'F16');
    } finally {
      file.close();
    }
    const prompt = Int32Array.from([5, 77, 200, 31, 9]);
    const a = new InferenceSession(loadHfWeights(dir).model, { chunk: 64 }).prefill(prompt).data;
    const b = new InferenceSession((await loadModelDir(path)).model, { chunk: 64 }).prefill(prompt).data;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst < 0.05, `largest logit difference after F16 storage ${worst}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GGUF export refuses what llama.cpp would compute differently', async () => {
  const refused: Array<[string, Json, Shape, RegExp]> = [
    [
      'llama',
      base('llama', E, { rope_theta: 10000, rope_scaling: { rope_type: 'dynamic', factor: 2 } }),
      E,
      /dynamic NTK RoPE scaling has no llama\.cpp equivalent/,
    ],
    [
      'gemma2',
      base('gemma2', E, {
        hidden_activation: 'gelu_pytorch_tanh',
        sliding_window: 5,
        query_pre_attn_scalar: 24,
        tie_word_embeddings: true,
      }),
      E,
      /attention scale .* differs from llama\.cpp's/,
    ],
    [
      'gemma3_text',
      base('gemma3_text', E, {
        hidden_activation: 'gelu_pytorch_tanh',
        sliding_window: 5,
        sliding_window_pattern: 2,
        query_pre_attn_scalar: 16,
        tie_word_embeddings: true,
      }),
      E,
      /do not follow llama\.cpp's gemma3 pattern/,
    ],
  ];
  for (const [family, cfg, s, pattern] of refused) {
    const { dir } = writeCheckpoint(family, s, cfg, 2);
    try {
      const { model } = loadHfWeights(dir);
      assert.throws(() => exportFamilyGguf(join(dir, 'm.gguf'), model, vocabulary(VOCAB)), pattern);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
