// Offline importance learning: run calibration requests through the engine with NO skipping
// and the statistics observer installed, one prefill per request, and turn the running means
// into a profile. Also reads calibration prompt files (JSONL of {"text"} or {"tokens"}) and
// prints the per-sublayer similarity table (the paper's motivating observation).
//
// Not here: the observer arithmetic (stats.ts), profile storage (profile.ts).
import { readFileSync } from 'node:fs';
import { LmlabError } from '../util/errors.ts';
import { InferenceSession } from '../model/inference.ts';
import type { LlamaModel } from '../model/llama.ts';
import type { Tokenizer } from '../tokenizer/index.ts';
import { profileFromStatistics, type AdaSkipProfile } from './profile.ts';
import { rankSublayers } from './plan.ts';
import { SublayerStatsCollector } from './stats.ts';

export interface CalibrateOptions {
  chunk?: number;
  onRequest?: (index: number, tokens: number) => void;
}

/** Calibrates a profile on the given prompts (each truncated to the model's context). */
export function calibrate(model: LlamaModel, prompts: Int32Array[], options: CalibrateOptions = {}): AdaSkipProfile {
  if (prompts.length === 0) throw new LmlabError('calibration needs at least one prompt');
  const collector = new SublayerStatsCollector(model.config.layers, model.config.dim);
  const session = new InferenceSession(model, { chunk: options.chunk ?? 512, hooks: collector.hooks });
  prompts.forEach((prompt, i) => {
    const tokens = prompt.length > model.config.maxSeqLen ? prompt.subarray(0, model.config.maxSeqLen) : prompt;
    if (tokens.length === 0) throw new LmlabError(`calibration prompt ${i + 1} is empty`);
    session.reset();
    collector.startRequest();
    session.prefill(tokens);
    collector.finishRequest();
    options.onRequest?.(i, tokens.length);
  });
  return profileFromStatistics(model, collector.statistics());
}

/**
 * Reads up to `count` prompts from a JSONL file: {"text": ...} lines need a tokenizer,
 * {"tokens": [...]} lines are checked against the vocabulary.
 */
export function readPrompts(path: string, tokenizer: Tokenizer | null, vocabSize: number, count: number): Int32Array[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LmlabError(`cannot read prompts file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const prompts: Int32Array[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && prompts.length < count; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    let record: { text?: unknown; tokens?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      throw new LmlabError(`${path}:${i + 1}: not a JSON line`);
    }
    if (typeof record?.text === 'string') {
      if (!tokenizer)
        throw new LmlabError(
          `${path}:${i + 1}: a "text" prompt needs a tokenizer (the model has no tokenizer.json; give "tokens" instead)`,
        );
      prompts.push(Int32Array.from(tokenizer.encode(record.text)));
    } else if (Array.isArray(record?.tokens)) {
      const ids = record.tokens as unknown[];
      for (const id of ids) {
        if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new LmlabError(`${path}:${i + 1}: token ${String(id)} is outside the vocabulary of ${vocabSize}`);
        }
      }
      prompts.push(Int32Array.from(ids as number[]));
    } else {
      throw new LmlabError(`${path}:${i + 1}: expected {"text": "..."} or {"tokens": [...]}`);
    }
  }
  if (prompts.length === 0) throw new LmlabError(`${path} holds no prompts`);
  return prompts;
}

/** The per-sublayer similarity table: one row per layer, with each sublayer's joint rank. */
export function similarityTable(profile: AdaSkipProfile): string[] {
  const ranking = rankSublayers(profile);
  const rank = new Map(ranking.map((sub, r) => [sub, r + 1]));
  const layers = profile.attn.similarity.length;
  const f = (x: number) => x.toFixed(4).padStart(8);
  const lines = [
    `calibrated on ${profile.calibration.requests} requests, ${profile.calibration.tokens} tokens; rank 1 = most similar = first skipped`,
    'layer   attn cos   ratio  rank    ffn cos   ratio  rank   block BI',
  ];
  for (let l = 0; l < layers; l++) {
    lines.push(
      `${String(l).padStart(5)} ${f(profile.attn.similarity[l])}${f(profile.attn.ratio[l])}${String(rank.get(2 * l)).padStart(6)} ` +
        `${f(profile.ffn.similarity[l])}${f(profile.ffn.ratio[l])}${String(rank.get(2 * l + 1)).padStart(6)} ${f(1 - profile.layerSimilarity[l])}`,
    );
  }
  return lines;
}
