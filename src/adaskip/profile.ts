// AdaSkip calibration profiles on disk: the offline sublayer statistics of ONE model, saved as
// JSON so calibration runs once. A profile carries a fingerprint of the model (its config and a
// hash of a strided sample of its weights); loading it for another model, or for a model with
// another layer count, is refused with a one-line reason.
//
// The profile stores statistics, not a skip set: the set for a given α or N is derived at load
// time (plan.ts), so one calibration serves every budget. Not here: collection (stats.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LmlabError } from '../util/errors.ts';
import type { LlamaConfig } from '../model/config.ts';
import type { LlamaModel } from '../model/llama.ts';
import type { SublayerStatistics } from './stats.ts';
import { writeAtomic } from '../util/atomic.ts';

export const PROFILE_FORMAT = 'lmlab-adaskip-profile';
const SAMPLED_WEIGHTS = 1 << 16;

export interface ModelFingerprint {
  config: LlamaConfig;
  /** sha256 (hex, first 32 chars) of the config and a strided sample of all weights */
  weights: string;
}

export interface AdaSkipProfile {
  format: typeof PROFILE_FORMAT;
  version: 1;
  model: ModelFingerprint;
  calibration: { requests: number; tokens: number; createdAt: string };
  /** per layer: attention and FFN similarity (mean token cosine) and norm ratio */
  attn: { similarity: number[]; ratio: number[] };
  ffn: { similarity: number[]; ratio: number[] };
  /** per layer: mean token cosine of the layer's input and output (Block Influence = 1 − it) */
  layerSimilarity: number[];
}

export function fingerprintModel(model: LlamaModel): ModelFingerprint {
  const flat = model.params.flat;
  const hash = createHash('sha256');
  hash.update(JSON.stringify(model.config));
  // A strided sample touches every tensor of a real model without hashing gigabytes.
  const stride = Math.max(1, Math.floor(flat.length / SAMPLED_WEIGHTS));
  const sample = new Float32Array(Math.ceil(flat.length / stride));
  for (let i = 0, j = 0; i < flat.length; i += stride, j++) sample[j] = flat[i];
  hash.update(new Uint8Array(sample.buffer));
  // a quantized model's matrices live outside `flat`: sample their blocks too, in the file's
  // layout (a matrix held interleaved on one machine and as rows on another is the same model)
  for (const [name, q] of model.params.quantizedMatrices()) {
    const length = q.data.length;
    const step = Math.max(1, Math.floor(length / 4096));
    const picked = new Uint8Array(Math.ceil(length / step));
    for (let i = 0, j = 0; i < length; i += step, j++) picked[j] = q.fileByte(i);
    hash.update(name);
    hash.update(picked);
  }
  return { config: { ...model.config }, weights: hash.digest('hex').slice(0, 32) };
}

export function profileFromStatistics(model: LlamaModel, stats: SublayerStatistics): AdaSkipProfile {
  const layers = model.config.layers;
  const pick = (values: Float64Array, offset: number) =>
    Array.from({ length: layers }, (_, l) => values[2 * l + offset]);
  return {
    format: PROFILE_FORMAT,
    version: 1,
    model: fingerprintModel(model),
    calibration: { requests: stats.requests, tokens: stats.tokens, createdAt: new Date().toISOString() },
    attn: { similarity: pick(stats.similarity, 0), ratio: pick(stats.ratio, 0) },
    ffn: { similarity: pick(stats.similarity, 1), ratio: pick(stats.ratio, 1) },
    layerSimilarity: Array.from(stats.layerSimilarity),
  };
}

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const perLayer = z
  .object({ similarity: z.array(finite), ratio: z.array(finite.refine((r) => r > 0, 'ratios must be > 0')) })
  .strict();
const profileSchema = z
  .object({
    format: z.literal(PROFILE_FORMAT),
    version: z.literal(1),
    model: z.object({ config: z.record(z.string(), z.unknown()), weights: z.string() }).strict(),
    calibration: z
      .object({ requests: z.number().int().min(1), tokens: z.number().int().min(1), createdAt: z.string() })
      .strict(),
    attn: perLayer,
    ffn: perLayer,
    layerSimilarity: z.array(finite),
  })
  .strict();

/** Checks the shape of a parsed profile (not which model it belongs to). */
export function parseProfile(input: unknown, where = 'profile'): AdaSkipProfile {
  const result = profileSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new LmlabError(`${where} is not an AdaSkip profile (${path}${issue.message})`);
  }
  const p = result.data as AdaSkipProfile;
  const layers = (p.model.config as { layers?: unknown }).layers;
  const lengths = [p.attn.similarity, p.attn.ratio, p.ffn.similarity, p.ffn.ratio, p.layerSimilarity].map(
    (a) => a.length,
  );
  if (typeof layers !== 'number' || lengths.some((n) => n !== layers)) {
    throw new LmlabError(`${where}: per-layer arrays (${lengths.join('/')}) do not match its ${String(layers)} layers`);
  }
  return p;
}

/** Refuses a profile calibrated for a different model, naming the first difference. */
export function checkProfileMatches(profile: AdaSkipProfile, model: LlamaModel, where = 'profile'): void {
  const mine = model.config;
  const theirs = profile.model.config as Record<string, unknown>;
  if (theirs.layers !== mine.layers) {
    throw new LmlabError(
      `${where} was calibrated for a ${String(theirs.layers)}-layer model; this model has ${mine.layers} layers`,
    );
  }
  for (const key of Object.keys(mine) as Array<keyof LlamaConfig>) {
    if (theirs[key] !== mine[key]) {
      throw new LmlabError(
        `${where} was calibrated for another model (${key} ${String(theirs[key])}, this model ${String(mine[key])})`,
      );
    }
  }
  const weights = fingerprintModel(model).weights;
  if (weights !== profile.model.weights) {
    throw new LmlabError(
      `${where} was calibrated for another model with the same shape (weight fingerprint ${profile.model.weights}, this model ${weights})`,
    );
  }
}

export function saveProfile(profile: AdaSkipProfile, path: string): void {
  writeAtomic(path, JSON.stringify(profile, null, 1) + '\n');
}

/** Reads a profile and, when a model is given, checks that it belongs to it. */
export function loadProfile(path: string, model?: LlamaModel): AdaSkipProfile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LmlabError(`cannot read AdaSkip profile ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LmlabError(`${path} is not valid JSON`);
  }
  const profile = parseProfile(json, path);
  if (model) checkProfileMatches(profile, model, path);
  return profile;
}
