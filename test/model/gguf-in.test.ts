// llama.cpp model files in: a model exported as GGUF with Q8_0 and Q4_K matrices loads in lmlab
// (dequantized to float32), stays close to the float model, and gives the same 32 greedy tokens
// as llama.cpp (node-llama-cpp, installed by `npm run bench:infer:setup`) on the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { exportLlamaGguf, type GgufTokenizerData } from '../../src/io/gguf-llama.ts';
import { GgufFile } from '../../src/io/gguf.ts';
import { Rng } from '../../src/util/rng.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { generate, greedy } from '../../src/model/generate.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { toNamedTensors } from '../../src/model/params.ts';
import { bytesToTokenString } from '../../src/tokenizer/index.ts';
import { LlamaCppPeer } from '../../bench/llama-cpp/peer-client.ts';

const config = parseLlamaConfig({
  vocabSize: 512,
  dim: 256,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 512,
  maxSeqLen: 256,
});

/** 256 byte tokens, then two-byte tokens with their merges, then BOS and EOS. */
function vocabulary(size: number): GgufTokenizerData {
  const bytes = Array.from({ length: 256 }, (_, b) => bytesToTokenString(Uint8Array.of(b)));
  const tokens = [...bytes];
  const merges: string[] = [];
  const order = bytes.slice(97, 123); // a..z
  outer: for (const left of order) {
    for (const right of order) {
      if (tokens.length >= size - 2) break outer;
      tokens.push(left + right);
      merges.push(`${left} ${right}`);
    }
  }
  tokens.push('<s>', '</s>');
  return { tokens, merges, bosTokenId: size - 2, eosTokenId: size - 1 };
}

/**
 * Random layers (3× the 0.02 initialisation) over embeddings of unit scale whose head row for
 * token π(i) is 4·E[i], π a fixed permutation: every greedy choice is decisive, so the two
 * engines' different float arithmetic on the same quantized weights cannot flip a token.
 */
function model(): LlamaModel {
  const m = LlamaModel.initialised(config, 11);
  for (const spec of m.params.specs)
    if (spec.kind === 'matrix') m.params.get(spec.name).data.forEach((v, i, a) => (a[i] = v * 3));
  const rng = new Rng(5);
  const embed = m.params.get('model.embed_tokens.weight').data;
  for (let i = 0; i < embed.length; i++) embed[i] = rng.normal();
  const head = m.params.get('lm_head.weight').data;
  const d = config.dim;
  for (let i = 0; i < config.vocabSize; i++) {
    const next = (i * 7 + 3) % config.vocabSize;
    for (let k = 0; k < d; k++) head[next * d + k] = 4 * embed[i * d + k];
  }
  return m;
}

const prompt = Int32Array.from({ length: 12 }, (_, i) => new Rng(3 + i).int(config.vocabSize - 2));

for (const fileType of ['Q8_0', 'Q4_K'] as const) {
  test(`GGUF ${fileType}: lmlab reads it and gives llama.cpp's 32 greedy tokens`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lmlab-gguf-in-'));
    try {
      const original = model();
      const path = join(dir, `m-${fileType}.gguf`);
      exportLlamaGguf(path, config, toNamedTensors(original.params), vocabulary(config.vocabSize), { fileType });
      const file = GgufFile.open(path);
      try {
        assert.equal(file.info('blk.0.attn_q.weight').typeName, fileType);
        assert.equal(file.info('blk.0.attn_norm.weight').typeName, 'F32');
      } finally {
        file.close();
      }
      const loaded = await loadModelDir(path);
      assert.equal(loaded.bosTokenId, config.vocabSize - 2);
      assert.equal(loaded.tokenizer?.encode('abcd').length, 2);
      // quantization moves the logits a little, not much
      const a = new InferenceSession(original, { chunk: 64 }).prefill(prompt).data;
      const b = new InferenceSession(loaded.model, { chunk: 64 }).prefill(prompt).data;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
        scale = Math.max(scale, Math.abs(a[i]));
      }
      assert.ok(diff > 0 && diff < 0.1 * scale, `max logit change ${diff} of ${scale}`);
      const ours = generate(new InferenceSession(loaded.model, { chunk: 64 }), prompt, {
        sampling: greedy,
        maxTokens: 32,
      }).tokens;
      const peer = await LlamaCppPeer.start(path, 64, 2);
      try {
        const theirs = (await peer.decode(prompt, 32)).tokens;
        assert.deepEqual(ours, theirs);
      } finally {
        await peer.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('lmlab generate reads a .gguf file directly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-gguf-cli-'));
  try {
    const path = join(dir, 'm.gguf');
    exportLlamaGguf(path, config, toNamedTensors(model().params), vocabulary(config.vocabSize), { fileType: 'Q8_0' });
    const r = spawnSync(
      process.execPath,
      ['bin/lmlab.js', 'generate', path, '--prompt', 'abcabc', '-n', '5', '--temperature', '0', '--json'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(out.tokens.length, 5);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
