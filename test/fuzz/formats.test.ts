// Property-based tests of the file-format parsers (safetensors, GGUF, config.json,
// tokenizer.json, JSONL corpora): damaged, truncated or arbitrary input gives a result or an
// LmlabError, never another exception and never a hang. Fixed seed, bounded runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SafetensorsFile, writeSafetensors } from '../../src/io/safetensors.ts';
import { GgufFile, writeGguf } from '../../src/io/gguf.ts';
import { llamaConfigFromHf, llamaConfigToHf, specialTokenIdsFromHf } from '../../src/io/llama-config.ts';
import { fromHuggingFaceJson, toHuggingFaceJson } from '../../src/tokenizer/hf-json.ts';
import { loadTokenizer } from '../../src/tokenizer/files.ts';
import { readDocuments } from '../../src/data/documents.ts';
import { damagedBytes, jsonText, mutatedJson, onlyLmlabErrors, onlyLmlabErrorsAsync, settings } from './helpers.ts';
import { smallTokenizer } from '../tokenizer/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmlab-fuzz-formats-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

function validSafetensors(): Uint8Array {
  const path = join(dir, 'valid.safetensors');
  writeSafetensors(
    path,
    new Map([
      ['a', { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }],
      ['b.weight', { shape: [4], data: Float32Array.from([0.5, -1, 2, 8]) }],
    ]),
    { metadata: { note: 'fuzz' } },
  );
  return readFileSync(path);
}

function validGguf(): Uint8Array {
  const path = join(dir, 'valid.gguf');
  writeGguf(
    path,
    new Map([
      ['general.architecture', { type: 'string', value: 'llama' }],
      ['n', { type: 'u32', value: 7 }],
      ['big', { type: 'u64', value: 1n << 40n }],
      ['words', { type: 'array', itemType: 'string', value: ['a', 'bc', ''] }],
      ['ints', { type: 'array', itemType: 'i32', value: [1, -2] }],
    ]),
    [
      { name: 'w', shape: [3, 2], type: 'F32', data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'h', shape: [4], type: 'F16', data: Float32Array.from([0.5, 1, 2, 4]) },
    ],
  );
  return readFileSync(path);
}

test('safetensors: damaged or arbitrary files give tensors or an LmlabError', () => {
  const valid = validSafetensors();
  const path = join(dir, 'fuzz.safetensors');
  fc.assert(
    fc.property(fc.oneof(damagedBytes(valid), fc.uint8Array({ maxLength: 64 })), (bytes) => {
      writeFileSync(path, bytes);
      onlyLmlabErrors(() => {
        const file = SafetensorsFile.open(path);
        try {
          for (const name of file.names()) file.read(name);
        } finally {
          file.close();
        }
      });
    }),
    settings(300),
  );
});

test('GGUF: damaged or arbitrary files give tensors or an LmlabError', () => {
  const valid = validGguf();
  const path = join(dir, 'fuzz.gguf');
  fc.assert(
    fc.property(fc.oneof(damagedBytes(valid), fc.uint8Array({ maxLength: 64 })), (bytes) => {
      writeFileSync(path, bytes);
      onlyLmlabErrors(() => {
        const file = GgufFile.open(path);
        try {
          for (const t of file.tensors) file.read(t.name);
        } finally {
          file.close();
        }
      });
    }),
    settings(300),
  );
});

test('config.json: mutated configs give a valid config or an LmlabError', () => {
  const valid = llamaConfigToHf(
    {
      vocabSize: 300,
      dim: 32,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffnHidden: 64,
      ropeTheta: 10000,
      normEps: 1e-5,
      maxSeqLen: 64,
      tieEmbeddings: false,
    } as Parameters<typeof llamaConfigToHf>[0],
    'float32',
  );
  fc.assert(
    fc.property(fc.oneof(mutatedJson(valid), fc.jsonValue()), (json) => {
      const config = onlyLmlabErrors(() => llamaConfigFromHf(json));
      if (!(config instanceof Error)) {
        assert.ok(
          Number.isInteger(config.dim) && config.dim > 0 && Number.isInteger(config.layers) && config.layers > 0,
        );
        assert.ok(config.dim % config.heads === 0 && config.heads % config.kvHeads === 0);
      }
      onlyLmlabErrors(() => specialTokenIdsFromHf(json));
    }),
    settings(400),
  );
});

test('tokenizer.json: mutated, truncated or arbitrary JSON gives a tokenizer or an LmlabError', async () => {
  const valid = toHuggingFaceJson(smallTokenizer());
  const path = join(dir, 'tokenizer.json');
  await fc.assert(
    fc.asyncProperty(fc.oneof(mutatedJson(valid), jsonText(valid)), async (doc) => {
      onlyLmlabErrors(() => {
        const tk = fromHuggingFaceJson(doc);
        tk.decode(tk.encode('Hello, world 123 ünï ☃'));
      });
      writeFileSync(path, typeof doc === 'string' ? doc : (JSON.stringify(doc) ?? ''));
      await onlyLmlabErrorsAsync(() => loadTokenizer(path));
    }),
    settings(60),
  );
});

test('JSONL corpora: arbitrary lines give documents or an LmlabError', async () => {
  const path = join(dir, 'corpus.jsonl');
  const line = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc
      .record({
        text: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        url: fc.oneof(fc.webUrl(), fc.integer()),
      })
      .map((r) => JSON.stringify(r)),
    fc.string(),
  );
  const body = fc.oneof(
    fc.array(line, { maxLength: 6 }).map((lines) => Buffer.from(lines.join('\n'))),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  );
  await fc.assert(
    fc.asyncProperty(body, async (bytes) => {
      writeFileSync(path, bytes);
      await onlyLmlabErrorsAsync(async () => {
        for await (const doc of readDocuments([path])) assert.equal(typeof doc.text, 'string');
      });
    }),
    settings(150),
  );
});
