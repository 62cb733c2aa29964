// Opens a model directory in Hugging Face layout (config.json + model.safetensors or shards with
// an index, optionally tokenizer.json) as an lmlab model and tokenizer: lmlab's own training
// checkpoints and the families hf-config.ts resolves (Llama, Mistral, Qwen2/3, Gemma 2/3,
// Phi-3). Weights are converted to float32; fused projections are split and Gemma's 1 + w
// norm scales folded into plain weights on the way in.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { readHfConfigJson, readHfTensors } from '../io/hf-llama.ts';
import { type Tokenizer, loadTokenizer } from '../tokenizer/index.ts';
import { type ResolvedHfConfig, hfTensorLayout, paramsFromHfTensors, resolveHfConfig } from './hf-config.ts';
import { loadGguf } from './gguf-load.ts';
import type { LoadedModel } from './loaded.ts';

export type { LoadedModel } from './loaded.ts';
import { LlamaModel } from './llama.ts';

/** The config and weights of a model folder in Hugging Face layout (no tokenizer). */
export function loadHfWeights(dir: string): { resolved: ResolvedHfConfig; model: LlamaModel } {
  const { json, path } = readHfConfigJson(dir);
  const resolved = resolveHfConfig(json, path);
  const { config, arch } = resolved;
  const layout = hfTensorLayout(config, arch);
  const stored = readHfTensors(dir, new Map(layout.map((t) => [t.name, t.shape])), { tiedHead: config.tieEmbeddings });
  return { resolved, model: new LlamaModel(config, paramsFromHfTensors(config, arch, stored, dir)) };
}

/** A model folder in Hugging Face layout, or a llama.cpp .gguf file. */
export async function loadModelDir(dir: string, options: { requireTokenizer?: boolean } = {}): Promise<LoadedModel> {
  if (!existsSync(dir)) throw new LmlabError(`model directory not found: ${dir}`);
  if (dir.endsWith('.gguf') && statSync(dir).isFile()) return loadGguf(dir, options);
  const { resolved, model } = loadHfWeights(dir);
  const { config } = resolved;
  const tokenizerPath = join(dir, 'tokenizer.json');
  let tokenizer: Tokenizer | null = null;
  if (existsSync(tokenizerPath)) {
    tokenizer = await loadTokenizer(tokenizerPath);
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new LmlabError(
        `${tokenizerPath} has ${tokenizer.vocabSize} tokens but the model's vocabulary is ${config.vocabSize}`,
      );
    }
  } else if (options.requireTokenizer) {
    throw new LmlabError(`${dir} has no tokenizer.json (copy the tokenizer used for training there)`);
  }
  const ids: Pick<LoadedModel, 'bosTokenId' | 'eosTokenId'> = {};
  if (resolved.bosTokenId !== undefined) ids.bosTokenId = resolved.bosTokenId;
  if (resolved.eosTokenId !== undefined) ids.eosTokenId = resolved.eosTokenId;
  return { dir, model, tokenizer, ...ids };
}
