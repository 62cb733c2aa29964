// llama.cpp's quantizer as an independent producer of quantized GGUF files: compiles
// quantize.c (next to this file) with the system C compiler into a temporary folder, once per
// process, and runs it on the libllama that `npm run bench:infer:setup` installed.
// Not here: what the files are compared against (tests, bench/infer.ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PEER_SETUP_HINT, peerInstalled } from './peer-client.ts';

const folder = fileURLToPath(new URL('.', import.meta.url));

/** llama.cpp's enum llama_ftype numbers for the presets compared here. */
export const LLAMA_FTYPE = { q8_0: 7, q4_0: 2, q4_k_m: 15 } as const;
export type LlamaQuantType = keyof typeof LLAMA_FTYPE;

/** The libllama shared library node-llama-cpp ships for this platform. */
export function libllamaPath(): string {
  if (!peerInstalled()) throw new Error(PEER_SETUP_HINT);
  const bins = join(folder, 'node_modules', '@node-llama-cpp', `${process.platform}-${process.arch}`, 'bins');
  const dir = join(bins, `${process.platform}-${process.arch}`);
  const lib = existsSync(dir) ? readdirSync(dir).find((f) => /^libllama(\.v[\d.]+)?\.so$/.test(f)) : undefined;
  if (!lib) throw new Error(`no libllama*.so under ${dir}: ${PEER_SETUP_HINT}`);
  return join(dir, lib);
}

let compiled: string | null = null;

function quantizerBinary(): string {
  if (compiled) return compiled;
  const source = join(folder, 'quantize.c');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `lmlab-llama-quantize-${hash}`);
  const binary = join(dir, 'quantize');
  if (!existsSync(binary)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${binary}.${process.pid}`;
    const cc = spawnSync('cc', ['-O1', '-o', temp, source, '-ldl'], { encoding: 'utf8' });
    if (cc.status !== 0)
      throw new Error(`compiling quantize.c failed: ${(cc.stderr || cc.error?.message || '').trim()}`);
    renameSync(temp, binary);
  }
  compiled = binary;
  return binary;
}

/** Quantizes a float GGUF with llama.cpp itself (llama_model_quantize). */
export function llamaQuantize(input: string, output: string, type: LlamaQuantType, threads = 2): void {
  const run = spawnSync(
    quantizerBinary(),
    [libllamaPath(), input, output, String(LLAMA_FTYPE[type]), String(threads)],
    {
      encoding: 'utf8',
      timeout: 1_800_000,
    },
  );
  if (run.status !== 0) {
    const tail = `${run.stderr ?? ''}${run.error?.message ?? ''}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`llama.cpp quantize ${type} of ${input} failed: ${tail}`);
  }
}
