// Shared fixtures for the checkpoint-format tests: temporary folders that clean themselves up,
// a tiny LLaMA shape with seeded random weights, and a toy byte-level tokenizer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Rng } from '../../src/util/rng.ts';
import { llamaTensorShapes } from '../../src/io/hf-llama.ts';
import type { LlamaConfig } from '../../src/io/llama-config.ts';
import type { GgufTokenizerData } from '../../src/io/gguf-llama.ts';
import { numelOf, type NamedTensors } from '../../src/io/tensors.ts';

/** A fresh temporary folder, removed when the test file finishes. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-io-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const tinyConfig: LlamaConfig = {
  vocabSize: 40,
  dim: 16,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 24,
  ropeTheta: 10000,
  normEps: 1e-5,
  maxSeqLen: 64,
  tieEmbeddings: false,
};

export function randomTensors(config: LlamaConfig, seed = 7): NamedTensors {
  const rng = new Rng(seed);
  const tensors: NamedTensors = new Map();
  for (const [name, shape] of llamaTensorShapes(config)) {
    const data = new Float32Array(numelOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * 0.5;
    tensors.set(name, { shape, data });
  }
  return tensors;
}

/** Tokens in GPT-2 byte-level form (Ġ is a space), unique, one per vocabulary entry. */
export function toyTokenizer(vocabSize: number): GgufTokenizerData {
  const tokens = ['<unk>', '<|begin|>', '<|end|>', 'a', 'b', 'c', 'Ġ', 'ab', 'Ġa', 'Ġab', 'é', 'Ċ'];
  for (let i = tokens.length; i < vocabSize; i++) tokens.push(`t${i}`);
  return {
    tokens: tokens.slice(0, vocabSize),
    merges: ['a b', 'Ġ a', 'Ġa b'],
    bosTokenId: 1,
    eosTokenId: 2,
  };
}
