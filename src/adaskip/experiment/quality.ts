// Quality and speed of skipping on a trained model, per task: the dense engine and every method
// at every α answer the same generated long-context prompts (tasks.ts) greedily; each answer is
// scored exactly, compared token by token with the dense answer, and timed (time to first token,
// decode tokens/s). Each configuration also reads the reference answer teacher-forced: its loss
// in nats per token says how well the model still finds the answer in the context even where
// greedy decoding gets it wrong, so small models give a per-task signal too. Held-out
// perplexity of natural text under each configuration too.
// Calibration prompts use other seeds than the test prompts (and natural text besides), so no
// needle of a test prompt is ever seen while calibrating. Seeds are the unit of the intervals.
// Deliberately not here: the random-weight speed benchmark at 8K (bench.ts) and the report.
import { LmlabError } from '../../util/errors.ts';
import { InferenceSession } from '../../model/inference.ts';
import type { LlamaModel } from '../../model/llama.ts';
import { logProbOf, scoreTokens } from '../../model/score.ts';
import type { Tokenizer } from '../../tokenizer/index.ts';
import { calibrate } from '../calibrate.ts';
import { createAdaSkipHooks } from '../controller.ts';
import { measureSublayerTimes, timeShare } from '../cost.ts';
import { selectSkipSet, type SkipMethod } from '../plan.ts';
import type { AdaSkipProfile } from '../profile.ts';
import { Haystack, makeTask, scoreTask, TASKS, type TaskInstance, type TaskName } from './tasks.ts';

/** Calibration task seeds: far from the test seeds (seed × 1000 + i) and the training ones. */
const CALIBRATION_SEED_BASE = 500_000;

export interface QualityOptions {
  model: LlamaModel;
  tokenizer: Tokenizer;
  /** held-out natural paragraphs: haystack of every prompt, and the perplexity text */
  paragraphs: string[];
  seeds: number[];
  promptsPerTask: number;
  /** prompt length in tokens (about) */
  promptTokens: number;
  alphas: number[];
  methods: SkipMethod[];
  calibrationPrompts: number;
  perplexityPassages: number;
  chunk: number;
  log?: (line: string) => void;
}

export interface TaskResult {
  task: TaskName;
  exact: number;
  items: number;
  /** share of generated tokens equal to the dense model's at the same position */
  agreement: number;
  /** loss of the reference answer, teacher-forced (nats per token) */
  answerLoss: number;
}

export interface ConfigResult {
  seed: number;
  method: SkipMethod | 'dense';
  alpha: number;
  tasks: TaskResult[];
  perplexity: number;
  ttftMs: number;
  decodeTokensPerSecond: number;
  kvBytes: number;
  flopShareSkipped: number;
  skipped: string;
}

export interface QualityReport {
  promptTokens: { mean: number; min: number; max: number };
  calibration: { prompts: number; tokens: number };
  results: ConfigResult[];
}

interface Prompt {
  instance: TaskInstance;
  ids: Int32Array;
  /** the reference answer's tokens, as greedy decoding should produce them */
  answerIds: Int32Array;
  /** tokens to generate: the answer's length plus a little slack */
  budget: number;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

function prompted(tokenizer: Tokenizer, text: string): Int32Array {
  const bos = tokenizer.bosId;
  if (bos === undefined) throw new LmlabError("the model's tokenizer has no BOS token");
  return Int32Array.from([bos, ...tokenizer.encode(text)]);
}

/** Characters per token of natural text under this tokenizer (to size haystacks in tokens). */
function charsPerToken(tokenizer: Tokenizer, paragraphs: string[]): number {
  const sample = paragraphs.slice(0, 200).join('\n\n');
  return sample.length / Math.max(1, tokenizer.encode(sample).length);
}

function buildPrompts(
  o: QualityOptions,
  ratio: number,
  perTask: number,
  seedOf: (task: number, i: number) => number,
): Prompt[] {
  const haystack = new Haystack(o.paragraphs);
  const out: Prompt[] = [];
  for (const [t, task] of TASKS.entries()) {
    for (let i = 0; i < perTask; i++) {
      // leave room for the question and the answer inside the model's context
      let chars = Math.floor((o.promptTokens - 40) * ratio);
      for (;;) {
        const instance = makeTask(task, seedOf(t, i), chars, haystack);
        const ids = prompted(o.tokenizer, instance.prompt);
        const answerIds = Int32Array.from(o.tokenizer.encode(instance.answer));
        const budget = answerIds.length + 2;
        if (ids.length + budget <= o.model.config.maxSeqLen || chars < 200) {
          out.push({ instance, ids, answerIds, budget });
          break;
        }
        chars = Math.floor(chars * 0.9);
      }
    }
  }
  return out;
}

interface Answer {
  tokens: number[];
  ttftMs: number;
  decodeMs: number;
}

function answer(session: InferenceSession, prompt: Prompt, eos: number | undefined): Answer {
  session.reset();
  for (const cache of session.caches) cache?.reserve(prompt.ids.length + prompt.budget + 1, 0);
  const t0 = performance.now();
  let next = argmax(session.prefill(prompt.ids).data);
  const t1 = performance.now();
  const tokens = [next];
  while (tokens.length < prompt.budget && next !== eos) {
    next = argmax(session.decode(next).data);
    tokens.push(next);
  }
  return { tokens, ttftMs: t1 - t0, decodeMs: performance.now() - t1 };
}

/**
 * Mean loss (nats per token) of `answer` after `prompt`, teacher-forced through the session's
 * own prefill and decode paths, so a skipping session is measured in the phases it skips in.
 */
export function answerLoss(session: InferenceSession, prompt: Int32Array, answer: Int32Array): number {
  if (answer.length === 0) throw new LmlabError('answer loss: the answer is empty');
  session.reset();
  for (const cache of session.caches) cache?.reserve(prompt.length + answer.length + 1, 0);
  let logits = session.prefill(prompt).data;
  let nll = 0;
  for (let i = 0; i < answer.length; i++) {
    nll -= logProbOf(logits, answer[i]);
    if (i + 1 < answer.length) logits = session.decode(answer[i]).data;
  }
  return nll / answer.length;
}

function perplexity(session: InferenceSession, model: LlamaModel, passages: Int32Array[], chunk: number): number {
  let nll = 0;
  let count = 0;
  for (const ids of passages) {
    const s = scoreTokens(model, ids, 1, chunk, session);
    nll += s.nll;
    count += s.tokens.length;
  }
  return Math.exp(nll / count);
}

function agreementWith(dense: number[], other: number[]): number {
  let same = 0;
  for (let i = 0; i < dense.length; i++) if (other[i] === dense[i]) same++;
  return dense.length ? same / dense.length : 1;
}

export function evaluateQuality(o: QualityOptions): QualityReport {
  const log = o.log ?? (() => {});
  const { model, tokenizer } = o;
  if (o.promptTokens + 64 > model.config.maxSeqLen)
    throw new LmlabError(
      `prompts of ${o.promptTokens} tokens do not fit the model's context of ${model.config.maxSeqLen}`,
    );
  // calibration: task prompts of other seeds, and natural passages
  const ratio = charsPerToken(tokenizer, o.paragraphs);
  const calibrationTasks = buildPrompts(
    o,
    ratio,
    Math.ceil(o.calibrationPrompts / 2 / TASKS.length),
    (t, i) => CALIBRATION_SEED_BASE + t * 1000 + i,
  )
    .slice(0, Math.ceil(o.calibrationPrompts / 2))
    .map((p) => p.ids);
  const passageText = (start: number, n: number) => {
    const out: Int32Array[] = [];
    let k = start;
    while (out.length < n && k < o.paragraphs.length) {
      let text = '';
      while (k < o.paragraphs.length && text.length < o.promptTokens * 3)
        text += (text ? '\n\n' : '') + o.paragraphs[k++];
      const ids = prompted(tokenizer, text);
      out.push(ids.subarray(0, Math.min(ids.length, o.promptTokens)));
    }
    return out;
  };
  const calibrationNatural = passageText(
    Math.floor(o.paragraphs.length / 2),
    o.calibrationPrompts - calibrationTasks.length,
  );
  const calibrationPrompts = [...calibrationTasks, ...calibrationNatural];
  const profile: AdaSkipProfile = calibrate(model, calibrationPrompts, { chunk: o.chunk });
  log(
    `calibrated on ${calibrationPrompts.length} prompts (${calibrationTasks.length} task prompts of other seeds, ${calibrationNatural.length} natural passages)`,
  );
  const passages = passageText(0, o.perplexityPassages);
  const times = o.methods.includes('cost-aware')
    ? measureSublayerTimes(model, o.promptTokens, { phase: 'prefill', chunk: o.chunk })
    : null;
  const eos = tokenizer.eosId;
  const results: ConfigResult[] = [];
  const lengths: number[] = [];
  for (const seed of o.seeds) {
    const prompts = buildPrompts(o, ratio, o.promptsPerTask, (t, i) => seed * 1000 + t * 100 + i);
    lengths.push(...prompts.map((p) => p.ids.length));
    const configs: Array<{ method: SkipMethod | 'dense'; alpha: number }> = [
      { method: 'dense', alpha: 0 },
      ...o.alphas.flatMap((alpha) => o.methods.map((method) => ({ method, alpha }))),
    ];
    const runs = configs.map(({ method, alpha }) => {
      if (method === 'dense')
        return {
          method,
          alpha,
          session: new InferenceSession(model, { chunk: o.chunk }),
          stats: () => ({ flopShareSkipped: 0, skipped: 'nothing' }),
        };
      const timeBudget =
        method === 'cost-aware'
          ? timeShare(selectSkipSet('adaskip', model.config.layers, profile, { alpha }), times!)
          : undefined;
      const controller = createAdaSkipHooks(model, profile, {
        method,
        mode: 'e2e',
        alpha,
        seed,
        ...(timeBudget !== undefined ? { timeBudget, sublayerTimes: times! } : {}),
      });
      return {
        method,
        alpha,
        session: controller.newSession(model, o.chunk),
        stats: () => {
          const s = controller.stats();
          return { flopShareSkipped: s.flopShareSkipped, skipped: s.offline };
        },
      };
    });
    const tallies = runs.map(() => ({
      perTask: new Map<TaskName, { exact: number; items: number; agreement: number; answerLoss: number; n: number }>(),
      ttft: 0,
      decodeMs: 0,
      decoded: 0,
      kvBytes: 0,
    }));
    // Prompt by prompt, every configuration in turn (dense first, for the agreement): slow drift
    // of a shared machine then lands on all configurations alike, and the timings pair up.
    for (const p of prompts) {
      let denseAnswer: number[] = [];
      runs.forEach((run, k) => {
        const a = answer(run.session, p, eos);
        if (run.method === 'dense') denseAnswer = a.tokens;
        const t = tallies[k];
        t.kvBytes = Math.max(t.kvBytes, run.session.kvBytesUsed());
        const score = scoreTask(p.instance, tokenizer.decode(a.tokens.filter((x) => x !== eos)));
        const acc = t.perTask.get(p.instance.task) ?? { exact: 0, items: 0, agreement: 0, answerLoss: 0, n: 0 };
        acc.exact += score.exact ? 1 : 0;
        acc.items += score.items;
        acc.agreement += agreementWith(denseAnswer, a.tokens);
        // after the timed answer, so the timings are those of generation alone
        acc.answerLoss += answerLoss(run.session, p.ids, p.answerIds);
        acc.n++;
        t.perTask.set(p.instance.task, acc);
        t.ttft += a.ttftMs;
        t.decodeMs += a.decodeMs;
        t.decoded += a.tokens.length - 1;
      });
    }
    runs.forEach((run, k) => {
      const t = tallies[k];
      const statsNow = run.stats();
      const ppl = perplexity(run.session, model, passages, o.chunk);
      const row: ConfigResult = {
        seed,
        method: run.method,
        alpha: run.alpha,
        perplexity: ppl,
        ttftMs: t.ttft / prompts.length,
        decodeTokensPerSecond: t.decoded / (t.decodeMs / 1000),
        kvBytes: t.kvBytes,
        ...statsNow,
        tasks: TASKS.map((task) => {
          const a = t.perTask.get(task)!;
          return {
            task,
            exact: a.exact / a.n,
            items: a.items / a.n,
            agreement: a.agreement / a.n,
            answerLoss: a.answerLoss / a.n,
          };
        }),
      };
      results.push(row);
      const meanItems = row.tasks.reduce((s, x) => s + x.items, 0) / row.tasks.length;
      const meanLoss = row.tasks.reduce((s, x) => s + x.answerLoss, 0) / row.tasks.length;
      log(
        `seed ${seed} ${run.method}${run.method === 'dense' ? '' : ` α=${run.alpha}`}: items ${meanItems.toFixed(3)}, answer loss ${meanLoss.toFixed(3)}, ppl ${ppl.toFixed(2)}, first token ${row.ttftMs.toFixed(0)} ms, decode ${row.decodeTokensPerSecond.toFixed(1)} tok/s, FLOPs skipped ${(row.flopShareSkipped * 100).toFixed(1)}%`,
      );
    });
  }
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  return {
    promptTokens: { mean, min: Math.min(...lengths), max: Math.max(...lengths) },
    calibration: { prompts: calibrationPrompts.length, tokens: calibrationPrompts.reduce((s, p) => s + p.length, 0) },
    results,
  };
}
