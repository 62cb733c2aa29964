// Opens a model directory in Hugging Face layout (config.json + model.safetensors or shards,
// optionally tokenizer.json) — what `lmlab train` checkpoints are, and what a LLaMA-family
// checkpoint downloaded elsewhere looks like — as an lmlab model and tokenizer.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadHfCheckpoint } from '../io/hf-llama.ts';
import { type Tokenizer, loadTokenizer } from '../tokenizer/index.ts';
import { parseLlamaConfig } from './config.ts';
import { LlamaModel } from './llama.ts';
import { fromNamedTensors } from './params.ts';

export interface LoadedModel {
  dir: string;
  model: LlamaModel;
  tokenizer: Tokenizer | null;
}

export async function loadModelDir(dir: string, options: { requireTokenizer?: boolean } = {}): Promise<LoadedModel> {
  if (!existsSync(dir)) throw new Error(`model directory not found: ${dir}`);
  const hf = loadHfCheckpoint(dir);
  const { vocabSize, dim, layers, heads, kvHeads, ffnHidden, ropeTheta, normEps, maxSeqLen, tieEmbeddings } = hf.config;
  const config = parseLlamaConfig({ vocabSize, dim, layers, heads, kvHeads, ffnHidden, ropeTheta, normEps, maxSeqLen, tieEmbeddings }, `${dir}/config.json`);
  const model = new LlamaModel(config, fromNamedTensors(config, hf.tensors, dir));
  const tokenizerPath = join(dir, 'tokenizer.json');
  let tokenizer: Tokenizer | null = null;
  if (existsSync(tokenizerPath)) {
    tokenizer = await loadTokenizer(tokenizerPath);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new Error(`${tokenizerPath} has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${config.vocabSize}`);
    }
  } else if (options.requireTokenizer) {
    throw new Error(`${dir} has no tokenizer.json (copy the tokenizer used for training there)`);
  }
  return { dir, model, tokenizer };
}
