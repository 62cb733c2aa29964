// Quality and speed of skipping on a trained model, prompt by prompt: the dense engine and every
// configuration (method × mode × α) answer the same generated long-context prompts (tasks.ts)
// greedily. Short-answer tasks get their answer's length plus 2 tokens; long-answer tasks at
// least 64, so AdaSkip's online rule (after 20 decode steps) acts on most of the answer. Each
// answer is scored exactly, compared token by token with the dense answer, timed (time to first
// token, decode time, under the timing lock), and its FLOPs share skipped counted; for AdaSkip,
// the FFNs its online rule added and after which decode step. Each configuration also reads the
// reference answer teacher-forced (loss in nats per token: how well the answer can still be found
// even where greedy decoding misses it). Self-speculative decoding with the AdaSkip e2e model as
// draft runs on every prompt too: its tokens against the dense ones, acceptance and time.
// Held-out perplexity per configuration. Calibration prompts use other seeds than the test
// prompts (and natural text), so no needle of a test prompt is seen while calibrating.
// Every row is per prompt: the comparisons (compare.ts) pair configurations prompt by prompt.
// Deliberately not here: the random-weight speed benchmark (bench.ts), the report.
import { loadavg } from 'node:os';
import { LmlabError } from '../../util/errors.ts';
import { withBenchLock } from '../../util/bench-lock.ts';
import { InferenceSession } from '../../model/inference.ts';
import type { LlamaModel } from '../../model/llama.ts';
import { logProbOf, scoreTokens } from '../../model/score.ts';
import { greedy } from '../../model/generate.ts';
import { generateSpeculative } from '../../model/speculative.ts';
import type { Tokenizer } from '../../tokenizer/index.ts';
import { calibrate } from '../calibrate.ts';
import { type AdaSkipController, createAdaSkipHooks, type OnlineWindow } from '../controller.ts';
import { measureSublayerTimes, timeShare } from '../cost.ts';
import { selectSkipSet, type SkipMethod, type SkipMode } from '../plan.ts';
import type { AdaSkipProfile } from '../profile.ts';
import { Haystack, LONG_TASKS, makeTask, scoreTask, TASKS, type TaskInstance, type TaskName } from './tasks.ts';

/** Calibration task seeds: far from the test seeds (seed × 1000 + i) and the training ones. */
const CALIBRATION_SEED_BASE = 500_000;
/** Tokens generated at least for a long-answer task. */
export const LONG_ANSWER_TOKENS = 64;

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
  /** methods evaluated in e2e mode */
  methods: SkipMethod[];
  /** methods also evaluated in prefill and decode modes */
  modeMethods: SkipMethod[];
  /** run self-speculative decoding (AdaSkip e2e drafts, dense verifies) at every α */
  speculative: boolean;
  calibrationPrompts: number;
  perplexityPassages: number;
  chunk: number;
  log?: (line: string) => void;
}

export type ConfigMethod = SkipMethod | 'dense' | 'speculative';

export interface SpeculativeOutcome {
  /** the generated tokens equal the dense model's, token for token */
  identical: boolean;
  drafted: number;
  accepted: number;
  rounds: number;
  meanDraft: number;
}

/** One configuration's answer to one prompt. */
export interface PromptResult {
  seed: number;
  task: TaskName;
  long: boolean;
  /** index of the prompt within its seed */
  prompt: number;
  config: string;
  method: ConfigMethod;
  mode: SkipMode | null;
  alpha: number;
  exact: boolean;
  items: number;
  /** share of generated tokens equal to the dense model's at the same position */
  agreement: number;
  /** loss of the reference answer, teacher-forced (nats per token); NaN for speculative */
  answerLoss: number;
  /** the generated tokens */
  tokens: number[];
  ttftMs: number;
  decodeMs: number;
  /** share of the forward FLOPs of this answer not computed */
  flopShareSkipped: number;
  /** AdaSkip's online rule in this answer: FFN layers added, after how many decode steps */
  online: { layers: number[]; afterStep: number } | null;
  /** AdaSkip in decode/e2e: τ and the running FFN closest to it when the 20-step window closed */
  onlineWindow: OnlineWindow | null;
  speculative: SpeculativeOutcome | null;
}

/** What does not depend on the prompt: the offline set, perplexity, KV use. */
export interface ConfigSummary {
  seed: number;
  config: string;
  method: ConfigMethod;
  mode: SkipMode | null;
  alpha: number;
  skipped: string;
  perplexity: number;
  kvBytes: number;
}

export interface QualityReport {
  promptTokens: { mean: number; min: number; max: number };
  calibration: { prompts: number; tokens: number };
  shortTasks: TaskName[];
  longTasks: TaskName[];
  prompts: PromptResult[];
  configs: ConfigSummary[];
  /** time spent waiting for another process's measurement; load averages (1, 5, 15 min) at start and end */
  timing: { lockWaitMs: number; loadStart: number[]; loadEnd: number[] };
}

export interface Prompt {
  instance: TaskInstance;
  ids: Int32Array;
  /** the reference answer's tokens, as greedy decoding should produce them */
  answerIds: Int32Array;
  /** tokens to generate: the answer's length plus 2, at least 64 for a long-answer task */
  budget: number;
}

export function configName(method: ConfigMethod, mode: SkipMode | null, alpha: number): string {
  if (method === 'dense') return 'dense';
  if (method === 'speculative') return `speculative α=${alpha}`;
  return `${method} ${mode} α=${alpha}`;
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

type PromptSizing = Pick<QualityOptions, 'model' | 'tokenizer' | 'paragraphs' | 'promptTokens'>;

function buildPrompts(
  o: PromptSizing,
  tasks: readonly TaskName[],
  perTask: number,
  seedOf: (task: number, i: number) => number,
): Prompt[] {
  const haystack = new Haystack(o.paragraphs);
  const ratio = charsPerToken(o.tokenizer, o.paragraphs);
  const out: Prompt[] = [];
  for (const [t, task] of tasks.entries()) {
    const long = (LONG_TASKS as readonly string[]).includes(task);
    for (let i = 0; i < perTask; i++) {
      // leave room for the question and the answer inside the model's context
      let chars = Math.floor((o.promptTokens - 40) * ratio);
      for (;;) {
        const instance = makeTask(task, seedOf(t, i), chars, haystack);
        const ids = prompted(o.tokenizer, instance.prompt);
        const answerIds = Int32Array.from(o.tokenizer.encode(instance.answer));
        const budget = Math.max(answerIds.length + 2, long ? LONG_ANSWER_TOKENS : 0);
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

/** The test prompts of one seed, short- and long-answer tasks (what the evaluation answers). */
export function evaluationPrompts(o: PromptSizing & { promptsPerTask: number }, seed: number): Prompt[] {
  return buildPrompts(o, [...TASKS, ...LONG_TASKS], o.promptsPerTask, (t, i) => seed * 1000 + t * 100 + i);
}

interface Answer {
  tokens: number[];
  ttftMs: number;
  decodeMs: number;
}

/** Greedy answer of `budget` tokens (EOS does not stop it: every configuration does the same work). */
function answer(session: InferenceSession, prompt: Prompt): Answer {
  session.reset();
  for (const cache of session.caches) cache?.reserve(prompt.ids.length + prompt.budget + 1, 0);
  const t0 = performance.now();
  let next = argmax(session.prefill(prompt.ids).data);
  const t1 = performance.now();
  const tokens = [next];
  while (tokens.length < prompt.budget) {
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

/** Text of an answer up to its first EOS. */
function answerText(tokenizer: Tokenizer, tokens: number[]): string {
  const eos = tokenizer.eosId;
  const end = eos === undefined ? -1 : tokens.indexOf(eos);
  return tokenizer.decode(end >= 0 ? tokens.slice(0, end) : tokens);
}

interface Run {
  config: string;
  method: ConfigMethod;
  mode: SkipMode | null;
  alpha: number;
  session: InferenceSession;
  controller: AdaSkipController | null;
}

function flopsOf(c: AdaSkipController | null): { flops: number; skipped: number } {
  if (!c) return { flops: 0, skipped: 0 };
  const s = c.stats();
  return { flops: s.prefill.flops + s.decode.flops, skipped: s.prefill.flopsSkipped + s.decode.flopsSkipped };
}

export function evaluateQuality(o: QualityOptions): QualityReport {
  const log = o.log ?? (() => {});
  const { model, tokenizer } = o;
  if (o.promptTokens + LONG_ANSWER_TOKENS > model.config.maxSeqLen)
    throw new LmlabError(
      `prompts of ${o.promptTokens} tokens and ${LONG_ANSWER_TOKENS}-token answers do not fit the model's context of ${model.config.maxSeqLen}`,
    );
  // calibration: task prompts of other seeds (short-answer tasks), and natural passages
  const calibrationTasks = buildPrompts(
    o,
    TASKS,
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
  const loadStart = loadavg();
  const wait = { waitedMs: 0 };
  const times = o.methods.includes('cost-aware')
    ? withBenchLock(
        () => measureSublayerTimes(model, o.promptTokens, { phase: 'prefill', chunk: o.chunk }),
        undefined,
        wait,
      )
    : null;
  const prompts: PromptResult[] = [];
  const configs: ConfigSummary[] = [];
  const lengths: number[] = [];
  for (const seed of o.seeds) {
    const seedPrompts = evaluationPrompts(o, seed);
    lengths.push(...seedPrompts.map((p) => p.ids.length));
    const plan: Array<{ method: SkipMethod; mode: SkipMode; alpha: number }> = [];
    for (const alpha of o.alphas) {
      for (const method of o.methods) plan.push({ method, mode: 'e2e', alpha });
      for (const mode of ['prefill', 'decode'] as const)
        for (const method of o.modeMethods) plan.push({ method, mode, alpha });
    }
    const controllerFor = (method: SkipMethod, mode: SkipMode, alpha: number) => {
      const timeBudget =
        method === 'cost-aware'
          ? timeShare(selectSkipSet('adaskip', model.config.layers, profile, { alpha }), times!)
          : undefined;
      return createAdaSkipHooks(model, profile, {
        method,
        mode,
        alpha,
        seed,
        ...(timeBudget !== undefined ? { timeBudget, sublayerTimes: times! } : {}),
      });
    };
    const runs: Run[] = [
      {
        config: 'dense',
        method: 'dense',
        mode: null,
        alpha: 0,
        session: new InferenceSession(model, { chunk: o.chunk }),
        controller: null,
      },
      ...plan.map(({ method, mode, alpha }) => {
        const controller = controllerFor(method, mode, alpha);
        return {
          config: configName(method, mode, alpha),
          method,
          mode,
          alpha,
          session: controller.newSession(model, o.chunk),
          controller,
        };
      }),
    ];
    const drafts = o.speculative
      ? o.alphas.map((alpha) => ({ alpha, controller: controllerFor('adaskip', 'e2e', alpha) }))
      : [];
    const target = new InferenceSession(model, { chunk: o.chunk });
    const kvBytes = new Map<string, number>();
    // Prompt by prompt, every configuration in turn: slow drift of a shared machine then lands on
    // all configurations alike, and the timings pair up.
    seedPrompts.forEach((p, index) => {
      const long = (LONG_TASKS as readonly string[]).includes(p.instance.task);
      const base = { seed, task: p.instance.task, long, prompt: index };
      const answers = withBenchLock(
        () => {
          const out: Array<{
            run: Run;
            a: Answer;
            flops: { flops: number; skipped: number };
            online: PromptResult['online'];
            onlineWindow: OnlineWindow | null;
          }> = [];
          // the order rotates from prompt to prompt, so no configuration always runs first
          for (let j = 0; j < runs.length; j++) {
            const run = runs[(j + index) % runs.length];
            const before = flopsOf(run.controller);
            const a = answer(run.session, p);
            const after = flopsOf(run.controller);
            const st = run.controller?.stats();
            const online =
              st && st.onlineAddedAfterStep !== null
                ? { layers: st.onlineAdded, afterStep: st.onlineAddedAfterStep }
                : null;
            out.push({
              run,
              a,
              flops: { flops: after.flops - before.flops, skipped: after.skipped - before.skipped },
              online,
              onlineWindow: st?.onlineWindow ?? null,
            });
          }
          return out;
        },
        undefined,
        wait,
      );
      const denseTokens = answers.find((x) => x.run.method === 'dense')!.a.tokens;
      for (const { run, a, flops, online, onlineWindow } of answers) {
        kvBytes.set(run.config, Math.max(kvBytes.get(run.config) ?? 0, run.session.kvBytesUsed()));
        const score = scoreTask(p.instance, answerText(tokenizer, a.tokens));
        prompts.push({
          ...base,
          config: run.config,
          method: run.method,
          mode: run.mode,
          alpha: run.alpha,
          exact: score.exact,
          items: score.items,
          agreement: agreementWith(denseTokens, a.tokens),
          // after the timed answers, so the timings are those of generation alone
          answerLoss: answerLoss(run.session, p.ids, p.answerIds),
          tokens: a.tokens,
          ttftMs: a.ttftMs,
          decodeMs: a.decodeMs,
          flopShareSkipped: flops.flops > 0 ? flops.skipped / flops.flops : 0,
          online,
          onlineWindow,
          speculative: null,
        });
      }
      for (const d of drafts) {
        const draft = d.controller.newSession(model, o.chunk);
        for (const session of [draft, target])
          for (const cache of session.caches) cache?.reserve(p.ids.length + p.budget + 1, 0);
        const r = withBenchLock(
          () => generateSpeculative(target, draft, p.ids, { sampling: greedy, maxTokens: p.budget, eosToken: null }),
          undefined,
          wait,
        );
        const score = scoreTask(p.instance, answerText(tokenizer, r.tokens));
        const decoded = Math.max(0, r.tokens.length - 1);
        const identical = r.tokens.length === denseTokens.length && r.tokens.every((t, i) => t === denseTokens[i]);
        if (!identical)
          log(`seed ${seed} prompt ${index} (${p.instance.task}): speculative α=${d.alpha} differs from dense`);
        prompts.push({
          ...base,
          config: configName('speculative', null, d.alpha),
          method: 'speculative',
          mode: null,
          alpha: d.alpha,
          exact: score.exact,
          items: score.items,
          agreement: agreementWith(denseTokens, r.tokens),
          answerLoss: Number.NaN,
          tokens: r.tokens,
          ttftMs: r.timeToFirstTokenMs,
          decodeMs: decoded > 0 ? (decoded / r.decodeTokensPerSecond) * 1000 : 0,
          flopShareSkipped: Number.NaN,
          online: null,
          onlineWindow: null,
          speculative: {
            identical,
            drafted: r.speculative.drafted,
            accepted: r.speculative.accepted,
            rounds: r.speculative.rounds,
            meanDraft: r.speculative.meanDraft,
          },
        });
      }
    });
    for (const run of runs) {
      const ppl = perplexity(run.session, model, passages, o.chunk);
      configs.push({
        seed,
        config: run.config,
        method: run.method,
        mode: run.mode,
        alpha: run.alpha,
        skipped: run.controller ? run.controller.stats().offline : 'nothing',
        perplexity: ppl,
        kvBytes: kvBytes.get(run.config) ?? 0,
      });
      const mine = prompts.filter((r) => r.seed === seed && r.config === run.config);
      const mean = (f: (r: PromptResult) => number) => mine.reduce((s, r) => s + f(r), 0) / mine.length;
      log(
        `seed ${seed} ${run.config}: items ${mean((r) => r.items).toFixed(3)}, answer loss ${mean((r) => r.answerLoss).toFixed(3)}, ppl ${ppl.toFixed(2)}, FLOPs skipped ${(100 * mean((r) => r.flopShareSkipped)).toFixed(1)}%`,
      );
    }
  }
  const mean = lengths.reduce((a, b) => a + b, 0) / lengths.length;
  return {
    promptTokens: { mean, min: Math.min(...lengths), max: Math.max(...lengths) },
    calibration: { prompts: calibrationPrompts.length, tokens: calibrationPrompts.reduce((s, p) => s + p.length, 0) },
    shortTasks: [...TASKS],
    longTasks: [...LONG_TASKS],
    prompts,
    configs,
    timing: { lockWaitMs: wait.waitedMs, loadStart, loadEnd: loadavg() },
  };
}
