// The models the inference benchmark and the llama.cpp agreement check run on, each paired with
// the GGUF F32 file llama.cpp loads: the reference shape of the issue (dim 512, 8 layers,
// 8 heads, FFN 1376, vocab 8192) with seeded random weights and a synthetic byte-level BPE
// vocabulary, and a trained model directory (Hugging Face layout with tokenizer.json).
// Not here: timing or comparison policy.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hfToGguf } from '../../src/io/convert.ts';
import { exportLlamaGguf, type GgufTokenizerData } from '../../src/io/gguf-llama.ts';
import { Rng } from '../../src/util/rng.ts';
import { parseLlamaConfig, type LlamaConfig } from '../../src/model/config.ts';
import { LlamaModel } from '../../src/model/llama.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { toNamedTensors } from '../../src/model/params.ts';
import { bytesToTokenString, type Tokenizer } from '../../src/tokenizer/index.ts';

export interface BenchModel {
  name: string;
  model: LlamaModel;
  tokenizer: Tokenizer | null;
  gguf: string;
}

export function referenceConfig(maxSeqLen = 8448): LlamaConfig {
  return parseLlamaConfig({ vocabSize: 8192, dim: 512, layers: 8, heads: 8, kvHeads: 8, ffnHidden: 1376, maxSeqLen });
}

/**
 * A real BPE vocabulary of `size` tokens: the 256 byte tokens, then two-byte tokens each with
 * its merge rule, so that llama.cpp's loader sees a consistent gpt2-style tokenizer.
 */
export function syntheticVocabulary(size: number): GgufTokenizerData {
  const bytes = Array.from({ length: 256 }, (_, b) => bytesToTokenString(Uint8Array.of(b)));
  const tokens = [...bytes];
  const merges: string[] = [];
  // printable ASCII first keeps the pairs readable in `lmlab weights inspect`
  const order = [...bytes.slice(33, 127), ...bytes.slice(0, 33), ...bytes.slice(127)];
  outer: for (const left of order) {
    for (const right of order) {
      if (tokens.length >= size) break outer;
      tokens.push(left + right);
      merges.push(`${left} ${right}`);
    }
  }
  // beyond the 65,792 byte and pair tokens (a 128k vocabulary): pairs followed by a byte
  const pairs = tokens.length;
  outer3: for (let p = 256; p < pairs; p++) {
    for (const right of order) {
      if (tokens.length >= size) break outer3;
      tokens.push(tokens[p] + right);
      merges.push(`${tokens[p]} ${right}`);
    }
  }
  return { tokens, merges, bosTokenId: size - 2, eosTokenId: size - 1 };
}

/**
 * The reference shape with seeded weights. `weightScale` > 1 widens the 0.02 initialisation so
 * that greedy choices are decisive (the agreement check); speed does not depend on it.
 */
export function referenceModel(seed = 1, weightScale = 1, maxSeqLen = 8448): LlamaModel {
  const model = LlamaModel.initialised(referenceConfig(maxSeqLen), seed);
  if (weightScale !== 1) {
    const flat = model.params.flat;
    for (let i = 0; i < flat.length; i++) flat[i] *= weightScale;
  }
  return model;
}

export function exportReference(model: LlamaModel, path: string): BenchModel {
  exportLlamaGguf(path, model.config, toNamedTensors(model.params), syntheticVocabulary(model.config.vocabSize));
  return { name: 'reference', model, tokenizer: null, gguf: path };
}

/** Loads a trained model directory and writes its GGUF F32 next to the other bench files. */
export async function exportTrained(dir: string, workDir: string): Promise<BenchModel> {
  if (!existsSync(join(dir, 'config.json'))) {
    throw new Error(
      `${dir} is not a model directory (no config.json); pass a checkpoint folder such as RUN/checkpoints/step-000150`,
    );
  }
  const loaded = await loadModelDir(dir, { requireTokenizer: true });
  const gguf = join(workDir, 'trained-f32.gguf');
  hfToGguf(dir, gguf, { fileType: 'F32' });
  return { name: 'trained', model: loaded.model, tokenizer: loaded.tokenizer, gguf };
}

/** Seeded token ids in [0, vocab) standing in for a prompt (speed does not depend on content). */
export function promptTokens(length: number, vocab: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length }, () => rng.int(vocab));
}
