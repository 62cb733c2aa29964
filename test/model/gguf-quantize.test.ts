// Quantized GGUF files both ways between lmlab and llama.cpp (node-llama-cpp, installed by
// `npm run bench:infer:setup`): llama.cpp's own quantizer (llama_model_quantize, driven by
// bench/llama-cpp/quantize.c) makes Q8_0, Q4_0 and Q4_K_M files from an lmlab float export, and
// `lmlab generate` on them gives llama.cpp's 32 greedy tokens; `lmlab weights quantize` makes
// files that llama.cpp loads and agrees with token for token; and the type lmlab picks for each
// tensor is the one llama.cpp's quantizer picks, fallbacks for odd row lengths included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportLlamaGguf } from '../../src/io/gguf-llama.ts';
import { GgufFile } from '../../src/io/gguf.ts';
import { planQuantization, QUANT_PRESETS, type QuantPreset } from '../../src/io/quantize-plan.ts';
import { saveHfCheckpoint } from '../../src/io/hf-llama.ts';
import { parseLlamaConfig, type LlamaConfig } from '../../src/model/config.ts';
import { generate, greedy } from '../../src/model/generate.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { toNamedTensors } from '../../src/model/params.ts';
import { Rng } from '../../src/util/rng.ts';
import { syntheticVocabulary } from '../../bench/llama-cpp/models.ts';
import { llamaQuantize } from '../../bench/llama-cpp/llama-quantize.ts';
import { LlamaCppPeer } from '../../bench/llama-cpp/peer-client.ts';

// FFN 544 is not a whole number of 256-blocks: llama.cpp's Q4_K_M falls back to Q5_0 / Q8_0 there.
const config = parseLlamaConfig({
  vocabSize: 512,
  dim: 256,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 544,
  maxSeqLen: 256,
});
const vocabulary = syntheticVocabulary(config.vocabSize);
const BOS = config.vocabSize - 2;

/**
 * Random layers (3× the usual initialisation) over unit-scale embeddings, with the output row of
 * token (7i + 3) mod 510 set to 4·E[i]: each greedy step has a clear winner, so two engines'
 * different float arithmetic on the same quantized weights cannot flip a token (and neither
 * BOS nor EOS, ids 510 and 511, is ever chosen).
 */
function decisiveModel(c: LlamaConfig = config): LlamaModel {
  const m = LlamaModel.initialised(c, 21);
  for (const spec of m.params.specs) {
    if (spec.kind !== 'matrix') continue;
    const w = m.params.get(spec.name).data;
    for (let i = 0; i < w.length; i++) w[i] *= 3;
  }
  const rng = new Rng(8);
  const embed = m.params.get('model.embed_tokens.weight').data;
  for (let i = 0; i < embed.length; i++) embed[i] = rng.normal();
  const head = m.params.get('lm_head.weight').data;
  for (let i = 0; i < c.vocabSize - 2; i++) {
    const row = (7 * i + 3) % (c.vocabSize - 2);
    for (let k = 0; k < c.dim; k++) head[row * c.dim + k] = 4 * embed[i * c.dim + k];
  }
  return m;
}

const PROMPT_TEXT = 'quantized weights, same tokens';

function lmlab(args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/lmlab.js', ...args], { encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, `lmlab ${args.join(' ')}: ${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** `lmlab generate FILE` greedy, 32 tokens; returns its tokens and the prompt ids it used. */
async function lmlabGenerate(path: string): Promise<{ tokens: number[]; prompt: Int32Array }> {
  const out = lmlab(['generate', path, '--prompt', PROMPT_TEXT, '-n', '32', '--temperature', '0', '--json']);
  const json = JSON.parse(out.stdout.trim().split('\n').pop()!) as { tokens: number[]; prompt_tokens: number };
  const { tokenizer } = await loadModelDir(path, { requireTokenizer: true });
  const prompt = Int32Array.from([BOS, ...tokenizer!.encode(PROMPT_TEXT)]);
  assert.equal(json.prompt_tokens, prompt.length);
  return { tokens: json.tokens, prompt };
}

async function llamaCppGreedy(path: string, prompt: Int32Array): Promise<number[]> {
  const peer = await LlamaCppPeer.start(path, 128, 2);
  try {
    return (await peer.decode(prompt, 32)).tokens;
  } finally {
    await peer.close();
  }
}

function withDir(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmlab-gguf-quantize-'));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

function typesOf(path: string): Map<string, string> {
  const file = GgufFile.open(path);
  try {
    return new Map(file.tensors.map((t) => [t.name, t.typeName]));
  } finally {
    file.close();
  }
}

test(
  "lmlab picks llama.cpp's type for every tensor under each preset (odd FFN rows, tied and untied head)",
  withDir(async (dir) => {
    for (const tied of [false, true]) {
      const c = parseLlamaConfig({ ...config, layers: 8, tieEmbeddings: tied });
      const m = LlamaModel.initialised(c, 3);
      const f32 = join(dir, `f32-${tied}.gguf`);
      exportLlamaGguf(f32, c, toNamedTensors(m.params), vocabulary);
      const source = GgufFile.open(f32);
      const specs = source.tensors.map((t) => ({ name: t.name, shape: t.shape }));
      source.close();
      for (const preset of QUANT_PRESETS) {
        const theirs = join(dir, `llama-${preset}.gguf`);
        llamaQuantize(f32, theirs, preset);
        const expected = typesOf(theirs);
        const ours = planQuantization(preset, specs);
        const mismatches = specs.map((s, i) => [s.name, ours[i], expected.get(s.name)]).filter(([, a, b]) => a !== b);
        assert.deepEqual(mismatches, [], `${preset}, tied ${tied}`);
        if (preset === 'q4_k_m') assert.ok(ours.includes('Q5_0') && ours.includes('Q6_K') && ours.includes('Q8_0'));
      }
    }
  }),
);

for (const preset of ['q8_0', 'q4_k_m'] as const) {
  test(
    `lmlab generate on a ${preset} GGUF made by llama.cpp's quantizer gives llama.cpp's 32 greedy tokens`,
    withDir(async (dir) => {
      const f32 = join(dir, 'f32.gguf');
      exportLlamaGguf(f32, config, toNamedTensors(decisiveModel().params), vocabulary);
      const path = join(dir, `llama-${preset}.gguf`);
      llamaQuantize(f32, path, preset);
      const types = new Set(typesOf(path).values());
      assert.ok(types.has(preset === 'q8_0' ? 'Q8_0' : 'Q4_K'), [...types].join());
      const ours = await lmlabGenerate(path);
      assert.equal(ours.tokens.length, 32);
      assert.deepEqual(ours.tokens, await llamaCppGreedy(path, ours.prompt));
    }),
  );
}

const SOURCES = { q8_0: 'gguf', q4_0: 'hf', q4_k_m: 'gguf' } as const;

for (const preset of QUANT_PRESETS) {
  test(
    `lmlab weights quantize --type ${preset} (from ${SOURCES[preset]}) writes a file llama.cpp loads and agrees with on 32 greedy tokens`,
    withDir(async (dir) => {
      const model = decisiveModel();
      let input = join(dir, 'f32.gguf');
      if (SOURCES[preset] === 'gguf') {
        exportLlamaGguf(input, config, toNamedTensors(model.params), vocabulary);
      } else {
        input = join(dir, 'hf');
        mkdirSync(input);
        saveHfCheckpoint(input, config, toNamedTensors(model.params), { bosTokenId: BOS, eosTokenId: BOS + 1 });
        writeTokenizerJson(join(input, 'tokenizer.json'));
      }
      const out = join(dir, `ours-${preset}.gguf`);
      const printed = lmlab(['weights', 'quantize', input, out, '--type', preset]).stdout;
      assert.match(printed, new RegExp(`${preset}, ${3 + 9 * config.layers} tensors`));
      const planned = typesOf(out);
      const want = preset === 'q8_0' ? 'Q8_0' : preset === 'q4_0' ? 'Q4_0' : 'Q4_K';
      assert.equal(planned.get('blk.0.attn_q.weight'), want);
      assert.equal(planned.get('blk.0.attn_norm.weight'), 'F32');
      const file = GgufFile.open(out);
      const fileType = file.metadata.get('general.file_type')?.value;
      file.close();
      assert.equal(fileType, { q8_0: 7, q4_0: 2, q4_k_m: 15 }[preset]);

      const loaded = await loadModelDir(out, { requireTokenizer: true });
      const prompt = Int32Array.from([BOS, ...loaded.tokenizer!.encode(PROMPT_TEXT)]);
      const ours = generate(new InferenceSession(loaded.model, { chunk: 64 }), prompt, {
        sampling: greedy,
        maxTokens: 32,
      }).tokens;
      assert.equal(ours.length, 32);
      assert.deepEqual(ours, await llamaCppGreedy(out, prompt));
    }),
  );
}

/** A tokenizer.json for the synthetic vocabulary: byte-level BPE with its merges. */
function writeTokenizerJson(path: string): void {
  const vocab = Object.fromEntries(vocabulary.tokens.map((t, i) => [t, i]));
  const json = {
    version: '1.0',
    added_tokens: [
      { id: BOS, content: vocabulary.tokens[BOS], special: true },
      { id: BOS + 1, content: vocabulary.tokens[BOS + 1], special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, byte_fallback: false, vocab, merges: vocabulary.merges },
  };
  writeFileSync(path, JSON.stringify(json));
}
