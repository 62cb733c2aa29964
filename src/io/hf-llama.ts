// Hugging Face LLaMA checkpoints on disk: a folder with config.json, model.safetensors (or
// shards listed by model.safetensors.index.json) and usually tokenizer.json. Loading checks
// every tensor name and shape against the config before reading any weight, converts F16/BF16
// to float32, and refuses tensors the architecture does not have; saving writes the same layout
// (optionally sharded) atomically per file. It does not build a model object or a tokenizer.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { writeFileAtomic } from './files.ts';
import {
  headDim,
  llamaConfigFromHf,
  llamaConfigToHf,
  specialTokenIdsFromHf,
  type LlamaConfig,
  type SpecialTokenIds,
} from './llama-config.ts';
import { SafetensorsFile, writeSafetensors } from './safetensors.ts';
import { checkTensors, sameShape, shapeText, type FloatDtype, type NamedTensors } from './tensors.ts';

/** Every tensor a checkpoint of this shape holds, in the canonical order, with its shape. */
export function llamaTensorShapes(config: LlamaConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const qDim = config.heads * headDim(config);
  const kvDim = config.kvHeads * headDim(config);
  shapes.set('model.embed_tokens.weight', [config.vocabSize, config.dim]);
  for (let l = 0; l < config.layers; l++) {
    const p = `model.layers.${l}.`;
    shapes.set(`${p}input_layernorm.weight`, [config.dim]);
    shapes.set(`${p}self_attn.q_proj.weight`, [qDim, config.dim]);
    shapes.set(`${p}self_attn.k_proj.weight`, [kvDim, config.dim]);
    shapes.set(`${p}self_attn.v_proj.weight`, [kvDim, config.dim]);
    shapes.set(`${p}self_attn.o_proj.weight`, [config.dim, qDim]);
    shapes.set(`${p}post_attention_layernorm.weight`, [config.dim]);
    shapes.set(`${p}mlp.gate_proj.weight`, [config.ffnHidden, config.dim]);
    shapes.set(`${p}mlp.up_proj.weight`, [config.ffnHidden, config.dim]);
    shapes.set(`${p}mlp.down_proj.weight`, [config.dim, config.ffnHidden]);
  }
  shapes.set('model.norm.weight', [config.dim]);
  if (!config.tieEmbeddings) shapes.set('lm_head.weight', [config.vocabSize, config.dim]);
  return shapes;
}

/** Buffers some exporters store that carry no learned weights (recomputed from the config). */
function isIgnorable(name: string): boolean {
  return name.endsWith('.rotary_emb.inv_freq');
}

/** Checks in-memory tensors hold exactly the architecture's tensors with the right shapes. */
export function checkLlamaTensors(config: LlamaConfig, tensors: NamedTensors, where = 'model'): void {
  checkTensors(tensors);
  const expected = llamaTensorShapes(config);
  for (const [name, tensor] of tensors) {
    const shape = expected.get(name);
    if (!shape) throw new LmlabError(`${where}: unsupported tensor ${name}`);
    if (!sameShape(shape, tensor.shape)) {
      throw new LmlabError(
        `${where}: tensor ${name} has shape ${shapeText(tensor.shape)}, expected ${shapeText(shape)}`,
      );
    }
  }
  for (const name of expected.keys()) {
    if (!tensors.has(name)) throw new LmlabError(`${where}: missing tensor ${name}`);
  }
}

export interface HfCheckpoint extends SpecialTokenIds {
  config: LlamaConfig;
  /** Float32 tensors under Hugging Face names, in canonical order. */
  tensors: NamedTensors;
  /** tokenizer.json next to the weights, if there is one. */
  tokenizerPath?: string;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LmlabError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LmlabError(`${path}: invalid JSON (${(err as Error).message})`);
  }
}

/** Maps each tensor name to the safetensors file holding it. */
function locateWeights(dir: string): Map<string, string> {
  const indexPath = join(dir, 'model.safetensors.index.json');
  const singlePath = join(dir, 'model.safetensors');
  const located = new Map<string, string>();
  if (existsSync(indexPath)) {
    const index = readJson(indexPath) as { weight_map?: unknown };
    const map = index?.weight_map;
    if (typeof map !== 'object' || map === null || Array.isArray(map)) {
      throw new LmlabError(`${indexPath}: missing weight_map object`);
    }
    for (const [name, file] of Object.entries(map as Record<string, unknown>)) {
      if (typeof file !== 'string' || file.includes('/') || file.includes('\\')) {
        throw new LmlabError(`${indexPath}: weight_map entry for ${name} is not a file name`);
      }
      located.set(name, join(dir, file));
    }
    return located;
  }
  if (existsSync(singlePath)) {
    const file = SafetensorsFile.open(singlePath);
    try {
      for (const name of file.names()) located.set(name, singlePath);
    } finally {
      file.close();
    }
    return located;
  }
  const hasTorchBin = existsSync(join(dir, 'pytorch_model.bin'));
  throw new LmlabError(
    `${dir}: no model.safetensors or model.safetensors.index.json` +
      (hasTorchBin ? ' (pytorch_model.bin is not supported: convert it to safetensors first)' : ''),
  );
}

/** config.json of a checkpoint folder, parsed but not interpreted. */
export function readHfConfigJson(dir: string): { json: unknown; path: string } {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new LmlabError(`${dir}: no config.json (not a Hugging Face checkpoint folder)`);
  return { json: readJson(path), path };
}

/**
 * Reads the named float tensors of a checkpoint folder (single file or shards with an index) as
 * float32, after checking that exactly these names are stored (buffers recomputed from the config
 * and, when `tiedHead`, a stored copy of the tied head are ignored) with these shapes.
 */
export function readHfTensors(
  dir: string,
  expected: Map<string, number[]>,
  options: { tiedHead?: boolean } = {},
): NamedTensors {
  const located = locateWeights(dir);
  for (const name of located.keys()) {
    if (isIgnorable(name) || (options.tiedHead && name === 'lm_head.weight')) continue;
    if (!expected.has(name))
      throw new LmlabError(`${dir}: unsupported tensor ${name} (not part of a model of this config)`);
  }
  for (const name of expected.keys()) {
    if (!located.has(name)) throw new LmlabError(`${dir}: missing tensor ${name}`);
  }
  const byFile = new Map<string, string[]>();
  for (const name of expected.keys()) {
    const file = located.get(name) as string;
    byFile.set(file, [...(byFile.get(file) ?? []), name]);
  }
  const loaded: NamedTensors = new Map();
  for (const [path, names] of byFile) {
    const file = SafetensorsFile.open(path);
    try {
      // Check every shape in this file before spending time reading any weights.
      for (const name of names) {
        if (!file.has(name)) throw new LmlabError(`${path}: index lists ${name} here but the file lacks it`);
        const shape = file.entry(name).shape;
        const want = expected.get(name) as number[];
        if (!sameShape(shape, want)) {
          throw new LmlabError(
            `${path}: tensor ${name} has shape ${shapeText(shape)}, config implies ${shapeText(want)}`,
          );
        }
      }
      for (const name of names) loaded.set(name, file.read(name));
    } finally {
      file.close();
    }
  }
  const tensors: NamedTensors = new Map();
  for (const name of expected.keys()) tensors.set(name, loaded.get(name)!);
  return tensors;
}

/** Loads a Hugging Face LLaMA checkpoint folder (the plain shape lmlab writes) into float32 tensors. */
export function loadHfCheckpoint(dir: string): HfCheckpoint {
  const { json: configJson, path: configPath } = readHfConfigJson(dir);
  const config = llamaConfigFromHf(configJson, configPath);
  const tensors = readHfTensors(dir, llamaTensorShapes(config), { tiedHead: config.tieEmbeddings });
  const tokenizerPath = join(dir, 'tokenizer.json');
  return {
    config,
    tensors,
    ...specialTokenIdsFromHf(configJson, configPath),
    ...(existsSync(tokenizerPath) ? { tokenizerPath } : {}),
  };
}

export interface SaveHfOptions extends SpecialTokenIds {
  dtype?: FloatDtype;
  /** Split the weights into shards of at most this many bytes (a lone bigger tensor gets its own). */
  maxShardBytes?: number;
  /** Contents of tokenizer.json to store alongside, as text. */
  tokenizerJson?: string;
  /** Texts of the BOS/EOS tokens, for tokenizer_config.json. */
  bosToken?: string;
  eosToken?: string;
  /** Whether tokenizers prepend BOS (tokenizer_config.json add_bos_token; default true when BOS is known). */
  addBosToken?: boolean;
}

/**
 * generation_config.json and tokenizer_config.json carrying the special tokens, so transformers
 * (and converters reading these files) use the right BOS/EOS; written only for what is known.
 */
function writeSpecialTokenFiles(dir: string, config: LlamaConfig, options: SaveHfOptions): void {
  const ids: Record<string, number> = {};
  if (options.bosTokenId !== undefined) ids.bos_token_id = options.bosTokenId;
  if (options.eosTokenId !== undefined) ids.eos_token_id = options.eosTokenId;
  if (Object.keys(ids).length === 0) return;
  writeTextAtomic(
    join(dir, 'generation_config.json'),
    JSON.stringify({ ...ids, _from_model_config: true }, null, 2) + '\n',
  );
  if (options.tokenizerJson === undefined) return;
  const tokenizerConfig: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: config.maxSeqLen,
    clean_up_tokenization_spaces: false,
    add_bos_token: options.addBosToken ?? options.bosToken !== undefined,
    add_eos_token: false,
  };
  if (options.bosToken !== undefined) tokenizerConfig.bos_token = options.bosToken;
  if (options.eosToken !== undefined) tokenizerConfig.eos_token = options.eosToken;
  writeTextAtomic(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig, null, 2) + '\n');
}

const TORCH_DTYPE: Record<FloatDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };
const DTYPE_BYTES: Record<FloatDtype, number> = { F32: 4, F16: 2, BF16: 2 };

function writeTextAtomic(path: string, text: string): void {
  writeFileAtomic(path, (out) => out.write(new TextEncoder().encode(text)));
}

/** Writes a checkpoint folder (which must exist) that Hugging Face transformers can load. */
export function saveHfCheckpoint(
  dir: string,
  config: LlamaConfig,
  tensors: NamedTensors,
  options: SaveHfOptions = {},
): void {
  const dtype = options.dtype ?? 'F32';
  checkLlamaTensors(config, tensors);
  const ordered: NamedTensors = new Map();
  for (const name of llamaTensorShapes(config).keys()) ordered.set(name, tensors.get(name)!);
  const shards: NamedTensors[] = [];
  let current: NamedTensors = new Map();
  let currentBytes = 0;
  let totalBytes = 0;
  const limit = options.maxShardBytes ?? Infinity;
  for (const [name, tensor] of ordered) {
    const bytes = tensor.data.length * DTYPE_BYTES[dtype];
    if (current.size > 0 && currentBytes + bytes > limit) {
      shards.push(current);
      current = new Map();
      currentBytes = 0;
    }
    current.set(name, tensor);
    currentBytes += bytes;
    totalBytes += bytes;
  }
  shards.push(current);
  const metadata = { format: 'pt' };
  if (shards.length === 1) {
    writeSafetensors(join(dir, 'model.safetensors'), ordered, { dtype, metadata });
    // A stale index would win over the new single file on the next load.
    rmSync(join(dir, 'model.safetensors.index.json'), { force: true });
  } else {
    const weightMap: Record<string, string> = {};
    const width = 5;
    const count = String(shards.length).padStart(width, '0');
    shards.forEach((shard, i) => {
      const file = `model-${String(i + 1).padStart(width, '0')}-of-${count}.safetensors`;
      writeSafetensors(join(dir, file), shard, { dtype, metadata });
      for (const name of shard.keys()) weightMap[name] = file;
    });
    const index = { metadata: { total_size: totalBytes }, weight_map: weightMap };
    writeTextAtomic(join(dir, 'model.safetensors.index.json'), JSON.stringify(index, null, 2) + '\n');
  }
  writeTextAtomic(
    join(dir, 'config.json'),
    JSON.stringify(llamaConfigToHf(config, TORCH_DTYPE[dtype], options), null, 2) + '\n',
  );
  if (options.tokenizerJson !== undefined) writeTextAtomic(join(dir, 'tokenizer.json'), options.tokenizerJson);
  writeSpecialTokenFiles(dir, config, options);
}
