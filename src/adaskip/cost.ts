// What a sublayer costs in time: its measured wall-clock time on this machine at a given
// context length (timed through the engine's observer hook, around real prefill or decode
// work), and the cost-aware
// selection built on it: rank sublayers by importance lost per unit of time saved and skip
// until a time budget is filled, instead of a count. At long context attention grows with T
// while the FFN does not, so a cost-blind top-N can skip cheap FFNs and save little time.
//
// Not here: FLOP counts (src/model/flops.ts), the similarity ranking itself (plan.ts), applying
// a set (controller.ts).
import { Rng } from '../util/rng.ts';
import { InferenceSession } from '../model/inference.ts';
import type { LlamaModel, SublayerKind } from '../model/llama.ts';
import { LmlabError } from '../util/errors.ts';
import { emptySet, type SkipSet } from './plan.ts';
import type { AdaSkipProfile } from './profile.ts';
import { median } from '../util/statistics.ts';

export interface SublayerTimes {
  /** milliseconds per layer, for one prefill of `contextLength` tokens or one decode step at it */
  attn: Float64Array;
  ffn: Float64Array;
  contextLength: number;
  phase: 'prefill' | 'decode';
}

export interface TimingOptions {
  phase: 'prefill' | 'decode';
  /**
   * timed passes (prefill) or decode steps, after one untimed warm-up; each sublayer's time is
   * the median over them. Default: enough passes for about 2 s of timed work, 3 to 15.
   */
  repeats?: number;
  chunk?: number;
  seed?: number;
  /** milliseconds clock (tests inject one) */
  clock?: () => number;
}

/**
 * Times every sublayer at a context length by timestamps taken in the observer, which runs right
 * after each sublayer (attention of layer 0 also carries the embedding lookup, a negligible copy).
 * Why a warm-up and medians: a single pass charges first-touch allocation and the odd scheduler
 * stall to whichever sublayer it lands in, and the cost-aware selection, which prefers sublayers
 * that look expensive, then picks exactly those outliers and saves far less time than budgeted.
 */
export function measureSublayerTimes(model: LlamaModel, contextLength: number, options: TimingOptions): SublayerTimes {
  const c = model.config;
  if (!Number.isInteger(contextLength) || contextLength < 1 || contextLength > c.maxSeqLen) {
    throw new LmlabError(`timing context length must be in [1, ${c.maxSeqLen}], got ${contextLength}`);
  }
  const clock = options.clock ?? (() => performance.now());
  // samples[2l] = attention of layer l, samples[2l + 1] = its FFN; one entry per timed pass
  const samples: number[][] = Array.from({ length: 2 * c.layers }, () => []);
  const pass = new Float64Array(2 * c.layers);
  let timing = false;
  let last = 0;
  const session = new InferenceSession(model, {
    chunk: options.chunk ?? 512,
    hooks: {
      observe(layer: number, kind: SublayerKind) {
        if (!timing) return;
        const now = clock();
        pass[2 * layer + (kind === 'attn' ? 0 : 1)] += now - last;
        last = now;
      },
    },
  });
  const rng = new Rng(options.seed ?? 7);
  const prompt = Int32Array.from(
    { length: options.phase === 'prefill' ? contextLength : Math.max(1, contextLength - 1) },
    () => rng.int(c.vocabSize),
  );
  const run =
    options.phase === 'prefill'
      ? () => {
          session.reset();
          session.prefill(prompt);
        }
      : // stay at the requested length: decode over the same position again
        () => {
          session.length = Math.max(0, contextLength - 1);
          session.decode(rng.int(c.vocabSize));
        };
  if (options.phase === 'decode') session.prefill(prompt);
  const warmStart = clock();
  run();
  const warmMs = Math.max(1e-3, clock() - warmStart);
  const repeats = options.repeats ?? Math.min(15, Math.max(3, Math.round(2000 / warmMs)));
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new LmlabError(`timing repeats must be a whole number ≥ 1, got ${repeats}`);
  for (let r = 0; r < repeats; r++) {
    pass.fill(0);
    timing = true;
    last = clock();
    run();
    timing = false;
    for (let i = 0; i < pass.length; i++) samples[i].push(pass[i]);
  }
  const attn = new Float64Array(c.layers);
  const ffn = new Float64Array(c.layers);
  for (let l = 0; l < c.layers; l++) {
    attn[l] = median(samples[2 * l]);
    ffn[l] = median(samples[2 * l + 1]);
  }
  return { attn, ffn, contextLength, phase: options.phase };
}

/**
 * Cost-aware selection: sublayers sorted by importance lost per millisecond saved, where
 * importance = 1 − similarity (clamped at a small floor so a free sublayer is not divided by
 * zero), taken in that order until their time reaches `timeBudget` of the total sublayer time.
 * A sublayer that would overshoot the budget by more than half its own time is passed over in
 * favour of cheaper ones later in the order. Skipped sublayers are compensated like AdaSkip's.
 */
export function costAwareSet(profile: AdaSkipProfile, times: SublayerTimes, timeBudget: number): SkipSet {
  if (!Number.isFinite(timeBudget) || timeBudget < 0 || timeBudget >= 1)
    throw new LmlabError(`the time budget must be in [0, 1), got ${timeBudget}`);
  const layers = profile.attn.similarity.length;
  if (times.attn.length !== layers)
    throw new LmlabError(`sublayer times cover ${times.attn.length} layers, the profile ${layers}`);
  const time = (i: number) => Math.max(1e-6, (i % 2 === 0 ? times.attn : times.ffn)[i >> 1]);
  const importance = (i: number) =>
    Math.max(1e-6, 1 - (i % 2 === 0 ? profile.attn.similarity : profile.ffn.similarity)[i >> 1]);
  let total = 0;
  for (let l = 0; l < layers; l++) total += times.attn[l] + times.ffn[l];
  const target = timeBudget * total;
  const order = Array.from({ length: 2 * layers }, (_, i) => i).sort(
    (a, b) => importance(a) / time(a) - importance(b) / time(b) || a - b,
  );
  const set = emptySet(layers);
  let saved = 0;
  for (const i of order) {
    if (saved >= target) break;
    if (saved + time(i) - target > time(i) / 2) continue;
    saved += time(i);
    if (i % 2 === 0) set.attn[i >> 1] = profile.attn.ratio[i >> 1];
    else set.ffn[i >> 1] = profile.ffn.ratio[i >> 1];
  }
  return set;
}

/** Share of the measured sublayer time a set removes. */
export function timeShare(set: SkipSet, times: SublayerTimes): number {
  let total = 0;
  let skipped = 0;
  for (let l = 0; l < times.attn.length; l++) {
    total += times.attn[l] + times.ffn[l];
    if (set.attn[l] !== null) skipped += times.attn[l];
    if (set.ffn[l] !== null) skipped += times.ffn[l];
  }
  return total > 0 ? skipped / total : 0;
}
