// Whole-file operations behind the `lmlab weights` commands: Hugging Face folder → GGUF,
// GGUF → Hugging Face folder, and a one-screen description of any safetensors or GGUF file.
// Each step is one of the format modules; this file only wires them together.
import { mkdirSync } from 'node:fs';
import { LmlabError } from '../util/errors.ts';
import { ReadableFile } from './files.ts';
import { GgufFile } from './gguf.ts';
import { exportLlamaGguf, importLlamaGguf, type LlamaGgufOptions } from './gguf-llama.ts';
import { loadHfCheckpoint, saveHfCheckpoint } from './hf-llama.ts';
import { readHfTokenizer } from './hf-tokenizer.ts';
import { SafetensorsFile } from './safetensors.ts';
import { numelOf, shapeText, type FloatDtype } from './tensors.ts';

export interface HfToGgufOptions extends LlamaGgufOptions {
  /** Override the detected llama.cpp pre-tokenizer name. */
  pre?: string;
}

/** Converts a Hugging Face LLaMA folder (with tokenizer.json) into a GGUF file. */
export function hfToGguf(dir: string, outPath: string, options: HfToGgufOptions = {}): string {
  const checkpoint = loadHfCheckpoint(dir);
  if (!checkpoint.tokenizerPath) throw new LmlabError(`${dir}: no tokenizer.json; GGUF files need the tokenizer`);
  const tokenizer = readHfTokenizer(checkpoint.tokenizerPath, {
    vocabSize: checkpoint.config.vocabSize,
    ...(checkpoint.bosTokenId !== undefined ? { bosTokenId: checkpoint.bosTokenId } : {}),
    ...(checkpoint.eosTokenId !== undefined ? { eosTokenId: checkpoint.eosTokenId } : {}),
    ...(options.pre !== undefined ? { pre: options.pre } : {}),
  });
  exportLlamaGguf(outPath, checkpoint.config, checkpoint.tensors, tokenizer, options);
  return (
    `${outPath}: llama, ${checkpoint.config.layers} layers, dim ${checkpoint.config.dim}, ` +
    `vocab ${checkpoint.config.vocabSize}, ${options.fileType ?? 'F32'}, pre-tokenizer ${tokenizer.pre}`
  );
}

/** Converts a float LLaMA GGUF into a Hugging Face folder (weights and config.json). */
export function ggufToHf(path: string, outDir: string, dtype: FloatDtype = 'F32'): string {
  const model = importLlamaGguf(path);
  mkdirSync(outDir, { recursive: true });
  const ids = {
    ...(model.tokenizer.bosTokenId !== undefined ? { bosTokenId: model.tokenizer.bosTokenId } : {}),
    ...(model.tokenizer.eosTokenId !== undefined ? { eosTokenId: model.tokenizer.eosTokenId } : {}),
  };
  saveHfCheckpoint(outDir, model.config, model.tensors, { dtype, ...ids });
  return `${outDir}: config.json and ${dtype} weights for ${model.tensors.size} tensors (tokenizer.json is not written)`;
}

/**
 * The format of a weights file, sniffed from its first bytes (GGUF's magic; safetensors' JSON
 * header after an 8-byte length); when neither matches, the name decides which reader reports
 * what is wrong, and a name that says neither is refused here, naming the path.
 */
export function formatOf(path: string): 'gguf' | 'safetensors' {
  const file = new ReadableFile(path);
  let head = new Uint8Array(0);
  try {
    head = new Uint8Array(Math.min(file.size, 9));
    file.readAt(head, 0, 'magic');
  } finally {
    file.close();
  }
  if (head.length >= 4 && new TextDecoder('latin1').decode(head.subarray(0, 4)) === 'GGUF') return 'gguf';
  if (head.length >= 9 && head[8] === 0x7b /* { */) return 'safetensors';
  if (/\.gguf$/i.test(path)) return 'gguf';
  if (/\.safetensors$/i.test(path)) return 'safetensors';
  throw new LmlabError(`${path}: not a GGUF file (no GGUF magic) nor a safetensors file (no JSON header)`);
}

function moreLine(shown: number, total: number): string[] {
  return total > shown ? [`  … ${total - shown} more tensors`] : [];
}

/** Lines describing a safetensors or GGUF file: metadata (arrays summarised) and tensors. */
export function describeWeightsFile(path: string, maxTensors = 40): string[] {
  const lines: string[] = [];
  const tensorLine = (name: string, type: string, shape: number[]) => `  ${name}  ${type} ${shapeText(shape)}`;
  if (formatOf(path) === 'gguf') {
    const file = GgufFile.open(path);
    try {
      lines.push(`${path}: GGUF v${file.version}, ${file.metadata.size} metadata keys, ${file.tensors.length} tensors`);
      for (const [key, entry] of file.metadata) {
        const value =
          entry.type === 'array'
            ? `[${entry.itemType} × ${entry.value.length}]`
            : JSON.stringify(typeof entry.value === 'bigint' ? entry.value.toString() : entry.value);
        lines.push(`  ${key} = ${value}`);
      }
      for (const t of file.tensors.slice(0, maxTensors)) lines.push(tensorLine(t.name, t.typeName, t.shape));
      lines.push(...moreLine(maxTensors, file.tensors.length));
    } finally {
      file.close();
    }
  } else {
    const file = SafetensorsFile.open(path);
    try {
      const names = file.names();
      const params = names.reduce((n, name) => n + numelOf(file.entry(name).shape), 0);
      lines.push(`${path}: safetensors, ${names.length} tensors, ${params} values`);
      for (const [key, value] of Object.entries(file.metadata)) lines.push(`  ${key} = ${JSON.stringify(value)}`);
      for (const name of names.slice(0, maxTensors)) {
        const entry = file.entry(name);
        lines.push(tensorLine(name, entry.dtype, entry.shape));
      }
      lines.push(...moreLine(maxTensors, names.length));
    } finally {
      file.close();
    }
  }
  return lines;
}
