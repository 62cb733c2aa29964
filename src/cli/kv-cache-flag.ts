// `--kv-cache f32|f16`, the same on every command that runs a model (generate, score, serve,
// adaskip calibrate/bench): parsed once and applied as the process's default KV cache precision.
// Kept apart from flags.ts so that commands without a model do not load the inference code.
import { parseKvCache, setDefaultKvCache } from '../model/inference.ts';

export const KV_CACHE_FLAG = '--kv-cache <type>';
export const KV_CACHE_HELP =
  'KV cache precision: f32 (exact) or f16 (IEEE half, as llama.cpp: half the memory, faster decode at long contexts)';
export const KV_CACHE_DEFAULT = 'f32';

/** Applies --kv-cache to every inference session the command opens. */
export function applyKvCacheFlag(value: string | undefined): void {
  setDefaultKvCache(parseKvCache(value ?? KV_CACHE_DEFAULT));
}
