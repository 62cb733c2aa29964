// The training loop: stages of packed data, gradient accumulation, AdamW with clipping and the
// warm-up + cosine schedule, periodic held-out evaluation, JSONL metrics, atomic checkpoints and
// exact resumption (same parameters, optimiser moments, data cursors and step ⇒ same losses).
// Ctrl-C (SIGINT/SIGTERM) finishes the current step, writes a checkpoint and returns.
// A run folder has one owner (a lock file) and is never reused silently: an existing run is
// continued only with `resume` and replaced only with `overwrite`.
// Not here: tokenizing (src/train/tokenize.ts), the command line (src/cli/train.ts).
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { ioError, writeAtomic } from '../util/atomic.ts';
import { FileLock } from '../util/lock.ts';
import { sweepStaleTemps } from '../util/stale.ts';
import { Rng } from '../util/rng.ts';
import { type TrainingBatch, LlamaModel, TrainingWorkspace } from '../model/llama.ts';
import { ParameterSet } from '../model/params.ts';
import { flopsPerToken } from '../model/flops.ts';
import { type TrainConfig, stageEnds, tokensPerStep, warmupSteps } from './config.ts';
import { AdamW } from './optimizer.ts';
import { RowLoader } from './packing.ts';
import { readDatasetIndex } from './shards.ts';
import { learningRate } from './schedule.ts';
import {
  type TrainState,
  checkpointsDir,
  latestCheckpoint,
  loadNewestGoodCheckpoint,
  saveCheckpoint,
} from './checkpoint.ts';

export interface StepMetrics {
  step: number;
  stage: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensSeen: number;
  tokensPerSecond: number;
  /** model FLOPs per second (forward + backward ≈ 3× forward) */
  flopsPerSecond: number;
  elapsed: number;
  eta: number;
}

export interface EvalMetrics {
  step: number;
  evalLoss: number;
  evalTokens: number;
}

export interface TrainOptions {
  /** continue from the run's newest good checkpoint if there is one */
  resume?: boolean;
  /** replace a run already in the folder (without it, an existing run is refused) */
  overwrite?: boolean;
  /** stop (with a checkpoint) after this optimiser step, as if interrupted */
  stopAfterStep?: number;
  /** write the step-0 checkpoint (the initial weights) and return without training */
  initOnly?: boolean;
  onStep?(m: StepMetrics): void;
  onEval?(m: EvalMetrics): void;
  onMessage?(line: string): void;
}

export interface TrainResult {
  model: LlamaModel;
  finalStep: number;
  lastLoss: number;
  interrupted: boolean;
  losses: number[];
}

/** Counts targets that will be scored, so the loss gradient can be scaled to a mean. */
function scoredTargets(b: TrainingBatch): number {
  let count = 0;
  const mask = b.lossMask;
  for (let i = 0; i < b.targets.length; i++) if (b.targets[i] >= 0 && (!mask || mask[i])) count++;
  return count;
}

/** The tokenizer to ship with checkpoints: the config's, else the one the data was made with. */
function findTokenizer(config: TrainConfig): string | undefined {
  if (config.tokenizer) {
    if (!existsSync(config.tokenizer)) throw new LmlabError(`tokenizer ${config.tokenizer} not found`);
    return config.tokenizer;
  }
  const fromData = readDatasetIndex(config.stages[0].data).meta?.tokenizer;
  return typeof fromData === 'string' && existsSync(fromData) ? fromData : undefined;
}

/** Appends one JSON line (a torn last line after a kill is dropped on resume). */
function appendMetrics(path: string, record: object): void {
  try {
    appendFileSync(path, JSON.stringify(record) + '\n');
  } catch (err) {
    throw ioError(err, path);
  }
}

export function evaluate(
  model: LlamaModel,
  ws: TrainingWorkspace,
  dir: string,
  config: TrainConfig,
  batches: number,
): { loss: number; tokens: number } {
  const loader = new RowLoader(dir, { rows: ws.rows, t: ws.t, overflow: config.overflow, seed: 0, shuffle: false });
  let sum = 0;
  let count = 0;
  for (let i = 0; i < batches; i++) {
    const r = model.forward(ws, loader.next());
    sum += r.sum;
    count += r.count;
    if (loader.epoch > 0) break; // the held-out set is smaller than requested: score it once
  }
  return { loss: count > 0 ? sum / count : 0, tokens: count };
}

/** Files of a run in its folder; anything else there is left alone. */
const RUN_FILES = ['metrics.jsonl', 'config.json', 'checkpoints'];

export async function train(config: TrainConfig, runDir: string, options: TrainOptions = {}): Promise<TrainResult> {
  try {
    mkdirSync(runDir, { recursive: true });
  } catch (err) {
    throw ioError(err, runDir, 'create the run folder');
  }
  const lock = FileLock.acquire(join(runDir, 'lock'), `run folder ${runDir}`);
  try {
    return await trainLocked(config, runDir, options);
  } finally {
    lock.release();
  }
}

async function trainLocked(config: TrainConfig, runDir: string, options: TrainOptions): Promise<TrainResult> {
  const say = options.onMessage ?? (() => {});
  const metricsPath = join(runDir, 'metrics.jsonl');
  sweepStaleTemps(runDir);
  sweepStaleTemps(checkpointsDir(runDir));
  const existing = RUN_FILES.filter((f) => existsSync(join(runDir, f)));
  if (existing.length > 0 && !options.resume) {
    if (!options.overwrite) {
      throw new LmlabError(
        `${runDir} already holds a run (${existing.join(', ')}): continue it with --resume or replace it with --overwrite`,
      );
    }
    for (const f of existing) rmSync(join(runDir, f), { recursive: true, force: true });
    say(`replaced the earlier run in ${runDir}`);
  }

  let model: LlamaModel;
  let optimizer: AdamW;
  let state: TrainState;
  const ck = options.resume ? loadNewestGoodCheckpoint(runDir, say) : null;
  if (ck) {
    const resumeFrom = ck.dir;
    if (JSON.stringify(ck.state.config.model) !== JSON.stringify(config.model)) {
      throw new LmlabError(`cannot resume from ${resumeFrom}: its model config differs from this run's`);
    }
    model = new LlamaModel(config.model, ck.params);
    optimizer = new AdamW(model.params, { ...config.optimizer });
    optimizer.m.flat.set(ck.m);
    optimizer.v.flat.set(ck.v);
    optimizer.step = (ck.state as TrainState & { optimizerStep?: number }).optimizerStep ?? ck.state.step;
    state = { ...ck.state, config };
    // metrics after the checkpoint belong to the abandoned continuation: drop them
    if (existsSync(metricsPath)) {
      const kept = readFileSync(metricsPath, 'utf8')
        .split('\n')
        .filter((line) => {
          if (!line.trim()) return false;
          try {
            return (JSON.parse(line) as { step: number }).step <= state.step;
          } catch {
            return false;
          }
        });
      writeAtomic(metricsPath, kept.map((l) => l + '\n').join(''));
    }
    say(`resuming from ${resumeFrom} at step ${state.step}`);
  } else {
    model = LlamaModel.initialised(config.model, config.seed);
    optimizer = new AdamW(model.params, { ...config.optimizer });
    state = {
      step: 0,
      cursors: config.stages.map(() => null),
      tokensSeen: 0,
      rngState: [...new Rng(config.seed).state()],
      config,
      elapsed: 0,
    };
    writeAtomic(metricsPath, '');
  }
  writeAtomic(join(runDir, 'config.json'), JSON.stringify(config, null, 1));

  const tokenizerPath = findTokenizer(config);
  const ws = new TrainingWorkspace(config.model, config.rows, config.seqLen);
  const grads = new ParameterSet(config.model);
  const ends = stageEnds(config);
  const loaders: Array<RowLoader | null> = config.stages.map(() => null);
  const loaderFor = (stage: number): RowLoader => {
    let loader = loaders[stage];
    if (!loader) {
      loader = new RowLoader(
        config.stages[stage].data,
        {
          rows: config.rows,
          t: config.seqLen,
          overflow: config.overflow,
          seed: config.seed + stage * 7919,
          shuffle: true,
        },
        state.cursors[stage] ?? undefined,
      );
      loaders[stage] = loader;
    }
    return loader;
  };
  const schedule = {
    peak: config.optimizer.lr,
    warmupSteps: warmupSteps(config),
    totalSteps: config.steps,
    floor: config.optimizer.floor,
  };
  const stepTokens = tokensPerStep(config);
  const flopsPerStep = 3 * flopsPerToken(config.model, config.seqLen) * stepTokens;

  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const losses: number[] = [];
  let lastLoss = NaN;
  const checkpoint = () => {
    state.cursors = loaders.map((l, i) => (l ? l.cursor() : state.cursors[i]));
    return saveCheckpoint(runDir, model.params, optimizer, state, 2, tokenizerPath);
  };

  try {
    if (options.initOnly) {
      const dir = checkpoint();
      say(`initial weights written to ${dir}`);
      return { model, finalStep: state.step, lastLoss, interrupted: false, losses };
    }
    const startStep = state.step;
    const startElapsed = state.elapsed;
    const t0 = performance.now();
    while (state.step < config.steps) {
      const step = state.step;
      const stage = ends.findIndex((end) => step < end);
      if (stage > 0 && step === ends[stage - 1])
        say(`stage switch at step ${step}: ${config.stages[stage].name ?? config.stages[stage].data}`);
      const loader = loaderFor(stage);
      grads.flat.fill(0);
      let sum = 0;
      let count = 0;
      for (let micro = 0; micro < config.gradAccum; micro++) {
        const batch = loader.next();
        const scored = scoredTargets(batch);
        const r = model.forwardBackward(ws, batch, grads, scored > 0 ? 1 / (scored * config.gradAccum) : 0);
        sum += r.sum;
        count += r.count;
      }
      const lr = learningRate(schedule, step);
      const gradNorm = optimizer.update(grads, lr);
      state.step += 1;
      state.tokensSeen += stepTokens;
      lastLoss = count > 0 ? sum / count : 0;
      losses.push(lastLoss);
      const elapsed = startElapsed + (performance.now() - t0) / 1000;
      state.elapsed = elapsed;
      const doneSteps = state.step - startStep;
      const secondsPerStep = (performance.now() - t0) / 1000 / doneSteps;
      const metrics: StepMetrics = {
        step: state.step,
        stage,
        loss: lastLoss,
        lr,
        gradNorm,
        tokensSeen: state.tokensSeen,
        tokensPerSecond: stepTokens / secondsPerStep,
        flopsPerSecond: flopsPerStep / secondsPerStep,
        elapsed,
        eta: secondsPerStep * (config.steps - state.step),
      };
      if (state.step % config.logEvery === 0 || state.step === config.steps) appendMetrics(metricsPath, metrics);
      options.onStep?.(metrics);

      if (config.eval && config.evalEvery > 0 && (state.step % config.evalEvery === 0 || state.step === config.steps)) {
        const e = evaluate(model, ws, config.eval, config, config.evalBatches);
        const em: EvalMetrics = { step: state.step, evalLoss: e.loss, evalTokens: e.tokens };
        appendMetrics(metricsPath, em);
        options.onEval?.(em);
      }
      const stopNow = interrupted || (options.stopAfterStep !== undefined && state.step >= options.stopAfterStep);
      if (
        stopNow ||
        (config.checkpointEvery > 0 && state.step % config.checkpointEvery === 0) ||
        state.step === config.steps
      ) {
        const dir = checkpoint();
        if (stopNow) {
          say(`stopped at step ${state.step}; checkpoint written to ${dir} (resume with --resume)`);
          return { model, finalStep: state.step, lastLoss, interrupted: true, losses };
        }
      }
      // let signal handlers run between steps
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { model, finalStep: state.step, lastLoss, interrupted: false, losses };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Steady training throughput (tokens/second) of `config`: trains a throwaway copy for `steps`
 * steps in `dir` (removed afterwards) and averages all but the first step, which pays one-off
 * setup. Used to size runs to a wall-clock budget. A step is tokensPerStep(config) tokens, as in
 * the trainer's own metrics. `now` (milliseconds) is there for tests.
 */
export async function measureThroughput(
  config: TrainConfig,
  dir: string,
  steps = 4,
  now: () => number = () => performance.now(),
): Promise<number> {
  rmSync(dir, { recursive: true, force: true });
  const stepTokens = tokensPerStep(config);
  const rates: number[] = [];
  let last = now();
  await train({ ...config, steps, evalEvery: 0, checkpointEvery: 0 }, dir, {
    onStep: () => {
      const t = now();
      rates.push(stepTokens / ((t - last) / 1000));
      last = t;
    },
  });
  rmSync(dir, { recursive: true, force: true });
  const steady = rates.slice(1);
  return steady.reduce((a, b) => a + b, 0) / steady.length;
}
