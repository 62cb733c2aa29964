// The GGUF files the inference benchmark runs both engines on, for a model shape and a weight
// storage: the reference shape (dim 512, 8 layers, 8 heads, FFN 1376, vocab 8192) and
// Llama-3.2-1B's shape (dim 2048, 16 layers, 32 heads, 8 KV heads, FFN 8192, vocab 128256,
// RoPE base 500000; the output matrix untied, 1.5B parameters, without RoPE scaling),
// with seeded random weights, stored as F32 or quantized with lmlab's q8_0 / q4_0 / q4_k_m
// presets. Each tensor is generated, encoded and written before the next one exists, so the
// 1b shape (6 GB at F32) never has all its weights in memory; files are cached under
// .lmlab-cache/bench-infer/ keyed by shape, storage and seed, and appear atomically.
// Not here: timing or comparison policy (bench/infer.ts).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GgufTensorSpec, writeGgufStreaming } from '../../src/io/gguf.ts';
import { ggufTensorName, llamaGgufMetadata } from '../../src/io/gguf-llama.ts';
import { llamaTensorShapes } from '../../src/io/hf-llama.ts';
import { planQuantization, type QuantPreset } from '../../src/io/quantize-plan.ts';
import { parseLlamaConfig, type LlamaConfig } from '../../src/model/config.ts';
import { Rng } from '../../src/util/rng.ts';
import { syntheticVocabulary } from './models.ts';

export const BENCH_SHAPES = ['reference', '1b'] as const;
export type BenchShape = (typeof BENCH_SHAPES)[number];
export const BENCH_QUANTS = ['f32', 'q8_0', 'q4_0', 'q4_k_m'] as const;
export type BenchQuant = (typeof BENCH_QUANTS)[number];

/** Context the files declare: the longest prompt the bench uses plus decode room. */
export const BENCH_MAX_SEQ = 8448;

export function benchShapeConfig(shape: BenchShape): LlamaConfig {
  if (shape === 'reference') {
    return parseLlamaConfig({
      vocabSize: 8192,
      dim: 512,
      layers: 8,
      heads: 8,
      kvHeads: 8,
      ffnHidden: 1376,
      maxSeqLen: BENCH_MAX_SEQ,
    });
  }
  return parseLlamaConfig({
    vocabSize: 128256,
    dim: 2048,
    layers: 16,
    heads: 32,
    kvHeads: 8,
    ffnHidden: 8192,
    maxSeqLen: BENCH_MAX_SEQ,
    ropeTheta: 500000,
  });
}

const cacheDir = fileURLToPath(new URL('../../.lmlab-cache/bench-infer/', import.meta.url));

/**
 * Random values of standard deviation `std` (uniform, which is as good as normal for timing
 * and much cheaper to draw for 1.5 billion weights); norm weights are 1.
 */
function randomTensor(n: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  if (std === 0) return out.fill(1);
  const rng = new Rng(seed);
  const a = std * Math.sqrt(3) * 2;
  for (let i = 0; i < n; i++) out[i] = (rng.nextU32() / 4294967296 - 0.5) * a;
  return out;
}

/**
 * The GGUF of `shape` stored as `quant` with weights from `seed`, written on first use.
 * `onTensor` reports progress while a file is being written.
 */
export function benchGguf(
  shape: BenchShape,
  quant: BenchQuant,
  seed = 1,
  onTensor?: (index: number, count: number, name: string) => void,
): string {
  const path = join(cacheDir, `${shape}-${quant}-seed${seed}.gguf`);
  if (existsSync(path)) return path;
  mkdirSync(cacheDir, { recursive: true });
  const config = benchShapeConfig(shape);
  const vocabulary = syntheticVocabulary(config.vocabSize);
  const metadata = llamaGgufMetadata(config, vocabulary, {
    name: `lmlab bench ${shape}`,
    ...(quant === 'f32' ? { fileType: 'F32' as const } : { preset: quant as QuantPreset }),
  });
  const shapes = [...llamaTensorShapes(config)];
  const specs: GgufTensorSpec[] = shapes.map(([hf, dims]) => ({ name: ggufTensorName(hf), shape: dims, type: 'F32' }));
  if (quant !== 'f32') {
    const types = planQuantization(quant, specs);
    specs.forEach((s, i) => (s.type = types[i]));
  }
  writeGgufStreaming(
    path,
    metadata,
    specs,
    (i) => {
      const dims = specs[i].shape;
      const n = dims.reduce((a, b) => a * b, 1);
      // embeddings at unit scale would swamp the residual stream of random layers
      return randomTensor(n, dims.length === 1 ? 0 : 0.02, seed * 1000 + i);
    },
    (i, t) => onTensor?.(i, specs.length, t.name),
  );
  return path;
}
