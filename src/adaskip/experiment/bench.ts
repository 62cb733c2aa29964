// The AdaSkip speed benchmark on a random-weight model of a given shape: dense vs every method
// at each α, time to first token at each context length, decode tokens/s, KV bytes, the share
// of FLOPs skipped, and ratios to dense measured in the same run. Dense and the methods take
// turns within each repeat and medians are reported, so drift on a shared machine hits all
// alike. Also measures what collecting the statistics costs (prefill with vs without the
// observer, interleaved). Times are taken both in wall clock and in process CPU time: on an
// oversubscribed machine the CPU-time ratios are the steadier ones.
//
// Random weights say nothing about quality; this is the speed half only. Caches are reserved
// for the whole request up front in every run, so no method pays for cache regrowth.
// The whole run holds the timing lock shared with the evaluation and the other benchmarks.
// Not here: the quality evaluation on a trained model.
import { Rng } from '../../util/rng.ts';
import { LmlabError } from '../../util/errors.ts';
import { withBenchLock } from '../../util/bench-lock.ts';
import { describeConfig, parseLlamaConfig, type LlamaConfig } from '../../model/config.ts';
import { InferenceSession } from '../../model/inference.ts';
import { LlamaModel } from '../../model/llama.ts';
import { type InMemoryQuant, quantizeParams } from '../../model/quantize.ts';
import { createAdaSkipHooks } from '../controller.ts';
import { measureSublayerTimes, timeShare } from '../cost.ts';
import { selectSkipSet, type SkipMethod } from '../plan.ts';
import { profileFromStatistics, type AdaSkipProfile } from '../profile.ts';
import { SublayerStatsCollector } from '../stats.ts';
import { median } from '../../util/statistics.ts';

const SHAPE_KEYS: Record<string, keyof LlamaConfig> = {
  dim: 'dim',
  layers: 'layers',
  heads: 'heads',
  kv: 'kvHeads',
  kvHeads: 'kvHeads',
  ffn: 'ffnHidden',
  ffnHidden: 'ffnHidden',
  vocab: 'vocabSize',
  vocabSize: 'vocabSize',
  context: 'maxSeqLen',
  maxSeqLen: 'maxSeqLen',
};

export const REFERENCE_SHAPE = 'dim=512,layers=16,heads=8,kv=8,ffn=1376,vocab=8192,context=8192';
export const QUICK_SHAPE = 'dim=64,layers=8,heads=4,kv=2,ffn=160,vocab=256,context=512';

/** Parses "dim=512,layers=16,..." (keys: dim layers heads kv ffn vocab context) into a config. */
export function parseShape(text: string, base = REFERENCE_SHAPE): LlamaConfig {
  const values: Record<string, number> = {};
  for (const source of [base, text]) {
    for (const part of source
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [key, raw] = part.split('=');
      const field = SHAPE_KEYS[key?.trim() ?? ''];
      const value = Number(raw);
      if (!field)
        throw new LmlabError(
          `unknown shape key "${key}" (use ${Object.keys(SHAPE_KEYS)
            .filter((k) => k.length < 8)
            .join(', ')})`,
        );
      if (raw === undefined || !Number.isInteger(value) || value < 1)
        throw new LmlabError(`shape ${key} must be a positive whole number, got "${raw ?? ''}"`);
      values[field] = value;
    }
  }
  return parseLlamaConfig(values, 'model shape');
}

export interface BenchOptions {
  config: LlamaConfig;
  contexts: number[];
  alphas: number[];
  methods: SkipMethod[];
  decodeTokens: number;
  calibrationRequests: number;
  calibrationLength: number;
  seed: number;
  chunk: number;
  /** timed runs of every configuration (medians are reported) */
  repeats: number;
  /** keep the random model's matrices quantized in memory (Q8_0 or Q4_K blocks) */
  quant?: InMemoryQuant;
  log: (line: string) => void;
}

export interface BenchRow {
  context: number;
  method: SkipMethod | 'dense';
  alpha: number;
  skipped: string;
  ttftMs: number;
  decodeTokensPerSecond: number;
  kvBytes: number;
  flopShareSkipped: number;
  ttftCpuMs: number;
  decodeTokensPerCpuSecond: number;
  /** dense TTFT / this TTFT (> 1 = faster), same run */
  prefillSpeedup: number;
  /** this decode tok/s / dense decode tok/s */
  decodeSpeedup: number;
  /** the same two ratios in process CPU time */
  prefillCpuSpeedup: number;
  decodeCpuSpeedup: number;
}

export interface BenchReport {
  model: string;
  /** overhead = wall-clock ratio − 1 of interleaved runs; observerShare = time inside the observer / run time */
  collection: { plainMs: number; collectingMs: number; overhead: number; observerShare: number; tokens: number };
  rows: BenchRow[];
}

function randomTokens(n: number, vocab: number, rng: Rng): Int32Array {
  return Int32Array.from({ length: n }, () => rng.int(vocab));
}

function reserveCaches(session: InferenceSession, length: number): void {
  for (const cache of session.caches) cache?.reserve(length, 0);
}

interface RunResult {
  ttftMs: number;
  /** process CPU time of the prefill (all threads): stable on a shared, oversubscribed machine */
  ttftCpuMs: number;
  decodeTokensPerSecond: number;
  /** decoded tokens per second of process CPU time */
  decodeTokensPerCpuSecond: number;
  kvBytes: number;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Prefill, then greedy decode of `decodeTokens` tokens, timed in wall-clock and CPU time. */
function timedRun(session: InferenceSession, prompt: Int32Array, decodeTokens: number): RunResult {
  reserveCaches(session, prompt.length + decodeTokens + 1);
  const argmax = (logits: Float32Array) => {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  };
  const wall0 = performance.now();
  const cpu0 = cpuMs();
  let next = argmax(session.prefill(prompt).data);
  const wall1 = performance.now();
  const cpu1 = cpuMs();
  for (let i = 0; i < decodeTokens; i++) next = argmax(session.decode(next).data);
  const wall2 = performance.now();
  const cpu2 = cpuMs();
  return {
    ttftMs: wall1 - wall0,
    ttftCpuMs: cpu1 - cpu0,
    decodeTokensPerSecond: decodeTokens / ((wall2 - wall1) / 1000),
    decodeTokensPerCpuSecond: decodeTokens / ((cpu2 - cpu1) / 1000),
    kvBytes: session.kvBytesUsed(),
  };
}

/** Calibration on random tokens, timing the same prefills with and without the observer. */
function calibrateTimed(
  model: LlamaModel,
  o: BenchOptions,
  rng: Rng,
): { profile: AdaSkipProfile; collection: BenchReport['collection'] } {
  const prompts = Array.from({ length: o.calibrationRequests }, () =>
    randomTokens(Math.min(o.calibrationLength, model.config.maxSeqLen), model.config.vocabSize, rng),
  );
  const collector = new SublayerStatsCollector(model.config.layers, model.config.dim);
  const plain = new InferenceSession(model, { chunk: o.chunk });
  // the observer's own time, measured inside it: immune to run-to-run noise of a shared machine
  const observe = collector.hooks.observe!;
  let observerMs = 0;
  const timedHooks = {
    observe: (...args: Parameters<typeof observe>) => {
      const t = performance.now();
      observe(...args);
      observerMs += performance.now() - t;
    },
  };
  const collecting = new InferenceSession(model, { chunk: o.chunk, hooks: timedHooks });
  let plainMs = 0;
  let collectingMs = 0;
  let tokens = 0;
  plain.prefill(prompts[0]); // warm-up: page in weights and caches
  for (const prompt of prompts) {
    plain.reset();
    let t0 = performance.now();
    plain.prefill(prompt);
    plainMs += performance.now() - t0;
    collecting.reset();
    collector.startRequest();
    t0 = performance.now();
    collecting.prefill(prompt);
    collectingMs += performance.now() - t0;
    collector.finishRequest();
    tokens += prompt.length;
  }
  const profile = profileFromStatistics(model, collector.statistics());
  return {
    profile,
    collection: {
      plainMs,
      collectingMs,
      overhead: collectingMs / plainMs - 1,
      observerShare: observerMs / collectingMs,
      tokens,
    },
  };
}

/** The benchmark, holding the timing lock (util/bench-lock.ts) so no other measurement overlaps it. */
export function runAdaSkipBench(o: BenchOptions): BenchReport {
  return withBenchLock(() => runUnlocked(o));
}

function runUnlocked(o: BenchOptions): BenchReport {
  const c = o.config;
  for (const t of o.contexts) {
    if (t + o.decodeTokens + 1 > c.maxSeqLen)
      throw new LmlabError(
        `context ${t} plus ${o.decodeTokens + 1} generated tokens exceeds the model context ${c.maxSeqLen}`,
      );
  }
  const counts: Array<[string, number]> = [
    ['repeats', o.repeats],
    ['decode tokens', o.decodeTokens],
    ['calibration requests', o.calibrationRequests],
    ['calibration tokens', o.calibrationLength],
    ['chunk', o.chunk],
    ...o.contexts.map((t): [string, number] => ['context', t]),
  ];
  for (const [name, n] of counts)
    if (!Number.isInteger(n) || n < 1) throw new LmlabError(`${name} must be a whole number ≥ 1, got ${n}`);
  const random = LlamaModel.initialised(c, o.seed);
  const model = o.quant ? new LlamaModel(c, quantizeParams(random.params, o.quant)) : random;
  const rng = new Rng(o.seed + 1);
  o.log(`model: ${describeConfig(c)} (random weights, seed ${o.seed}${o.quant ? `, ${o.quant} in memory` : ''})`);
  const { profile, collection } = calibrateTimed(model, o, rng);
  o.log(
    `calibration: ${o.calibrationRequests} requests × ${Math.min(o.calibrationLength, c.maxSeqLen)} tokens; statistics collection: ${(collection.observerShare * 100).toFixed(2)}% of prefill time spent in the observer; wall clock ${collection.collectingMs.toFixed(0)} vs ${collection.plainMs.toFixed(0)} ms without (${(collection.overhead * 100).toFixed(1)}%)`,
  );
  const rows: BenchRow[] = [];
  for (const context of o.contexts) {
    const prompt = randomTokens(context, c.vocabSize, rng);
    const dense = () => timedRun(new InferenceSession(model, { chunk: o.chunk }), prompt, o.decodeTokens);
    const times = o.methods.includes('cost-aware')
      ? measureSublayerTimes(model, context, { phase: 'prefill', chunk: o.chunk })
      : null;
    const configs = o.alphas.flatMap((alpha) => o.methods.map((method) => ({ alpha, method })));
    const runs = configs.map(() => [] as RunResult[]);
    const denseRuns: RunResult[] = [];
    const statsOf: Array<{ skipped: string; flopShareSkipped: number }> = [];
    // dense and every method take turns in each repeat, so slow drift of a shared machine hits all alike
    for (let r = 0; r < o.repeats; r++) {
      denseRuns.push(dense());
      configs.forEach(({ alpha, method }, i) => {
        let timeBudget: number | undefined;
        if (method === 'cost-aware')
          timeBudget = timeShare(selectSkipSet('adaskip', c.layers, profile, { alpha }), times!);
        const controller = createAdaSkipHooks(model, profile, {
          method,
          mode: 'e2e',
          alpha,
          seed: o.seed,
          ...(timeBudget !== undefined ? { timeBudget, sublayerTimes: times! } : {}),
        });
        const run = timedRun(controller.newSession(model, o.chunk), prompt, o.decodeTokens);
        runs[i].push(run);
        const stats = controller.stats();
        statsOf[i] = { skipped: stats.offline, flopShareSkipped: stats.flopShareSkipped };
        o.log(
          `  T=${context} α=${alpha} ${method} (repeat ${r + 1}): first token ${run.ttftMs.toFixed(0)} ms, decode ${run.decodeTokensPerSecond.toFixed(1)} tok/s`,
        );
      });
    }
    denseRuns.push(dense());
    const med = (list: RunResult[], key: keyof RunResult) => median(list.map((x) => x[key]));
    const d = {
      ttft: med(denseRuns, 'ttftMs'),
      ttftCpu: med(denseRuns, 'ttftCpuMs'),
      tps: med(denseRuns, 'decodeTokensPerSecond'),
      tpsCpu: med(denseRuns, 'decodeTokensPerCpuSecond'),
    };
    o.log(
      `  T=${context} dense: first token ${denseRuns.map((x) => x.ttftMs.toFixed(0)).join(' / ')} ms, decode ${denseRuns.map((x) => x.decodeTokensPerSecond.toFixed(1)).join(' / ')} tok/s`,
    );
    rows.push({
      context,
      method: 'dense',
      alpha: 0,
      skipped: 'nothing',
      ttftMs: d.ttft,
      ttftCpuMs: d.ttftCpu,
      decodeTokensPerSecond: d.tps,
      decodeTokensPerCpuSecond: d.tpsCpu,
      kvBytes: denseRuns[0].kvBytes,
      flopShareSkipped: 0,
      prefillSpeedup: 1,
      decodeSpeedup: 1,
      prefillCpuSpeedup: 1,
      decodeCpuSpeedup: 1,
    });
    configs.forEach(({ alpha, method }, i) => {
      const m = {
        ttft: med(runs[i], 'ttftMs'),
        ttftCpu: med(runs[i], 'ttftCpuMs'),
        tps: med(runs[i], 'decodeTokensPerSecond'),
        tpsCpu: med(runs[i], 'decodeTokensPerCpuSecond'),
      };
      rows.push({
        context,
        method,
        alpha,
        ...statsOf[i],
        ttftMs: m.ttft,
        ttftCpuMs: m.ttftCpu,
        decodeTokensPerSecond: m.tps,
        decodeTokensPerCpuSecond: m.tpsCpu,
        kvBytes: runs[i][0].kvBytes,
        prefillSpeedup: d.ttft / m.ttft,
        decodeSpeedup: m.tps / d.tps,
        prefillCpuSpeedup: d.ttftCpu / m.ttftCpu,
        decodeCpuSpeedup: m.tpsCpu / d.tpsCpu,
      });
    });
  }
  return { model: describeConfig(c), collection, rows };
}

export function formatBenchTable(report: BenchReport): string[] {
  const lines = [
    '| context | method | α | TTFT ms | prefill ×, wall | prefill ×, CPU | decode tok/s | decode ×, wall | decode ×, CPU | KV MiB | FLOPs skipped |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of report.rows) {
    lines.push(
      `| ${r.context} | ${r.method} | ${r.alpha} | ${r.ttftMs.toFixed(0)} | ${r.prefillSpeedup.toFixed(3)} | ${r.prefillCpuSpeedup.toFixed(3)} | ` +
        `${r.decodeTokensPerSecond.toFixed(1)} | ${r.decodeSpeedup.toFixed(3)} | ${r.decodeCpuSpeedup.toFixed(3)} | ` +
        `${(r.kvBytes / 2 ** 20).toFixed(1)} | ${(r.flopShareSkipped * 100).toFixed(1)}% |`,
    );
  }
  return lines;
}
