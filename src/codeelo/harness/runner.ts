// The run loop: for every problem of every contest, up to N attempts in order (stopping at the
// first accepted unless every sample is wanted), each one generated, code-extracted, judged and
// stored before the next step. Whatever the database already holds is reused, so re-running
// the same command after a kill repeats no finished generation or judgment. Problems run with
// bounded concurrency; the judge bounds its own timed runs to one per core.
// It does not parse options, render progress or rate (CLI, report.ts, the ratings module).
import { extractCode, buildPrompt, type LanguagePolicy } from './prompt.ts';
import { generateWithRetries, type ModelClient, type RetryPolicy, type Sampling } from './models.ts';
import type { JudgeBackend, Judged } from './judging.ts';
import type { RunContest } from './contests.ts';
import type { HarnessProblem } from './problems.ts';
import type { AttemptRow, RunStore } from './store.ts';
import { MAX_ATTEMPTS, type CodeeloResults, type AttemptVerdict } from '../rating/results.ts';
import { LmlabError } from '../../util/errors.ts';

/** Everything that defines a run; a resumed run must match it exactly. */
export interface RunConfig {
  model: string;
  provider: string;
  baseUrl: string | null;
  prompt: string;
  language: LanguagePolicy;
  sampling: Sampling;
  seed: number;
  contestSpec: string;
  contests: number[];
  judge: string;
  maxAttempts: number;
  stopAtFirstAc: boolean;
  attemptOrder: string;
}

export function describeAttemptOrder(maxAttempts: number, stopAtFirstAc: boolean): string {
  return `attempts 1..${maxAttempts} judged in generation order${stopAtFirstAc ? ', none after the first AC' : ', all judged (unbiased pass@k)'}`;
}

/** Stores the config on first use; afterwards refuses to resume with different settings. */
export function bindConfig(store: RunStore, config: RunConfig): void {
  const stored = store.getMeta('config');
  if (stored === undefined) {
    store.setMeta('config', JSON.stringify(config));
    store.setMeta('created', new Date().toISOString());
    return;
  }
  const before = JSON.parse(stored) as Record<string, unknown>;
  for (const [key, value] of Object.entries(config)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) {
      throw new LmlabError(
        `${store.path} holds a run with ${key}=${JSON.stringify(before[key])}, not ${JSON.stringify(value)}: use another --db to start a new run`,
      );
    }
  }
}

export interface Progress {
  problemsTotal: number;
  problemsDone: number;
  incomplete: number;
  attempts: number;
  verdicts: Partial<Record<AttemptVerdict, number>>;
  promptTokens: number;
  completionTokens: number;
  startedAt: number;
  /** Problems finished in this process (for the ETA: resumed work costs nothing). */
  doneHere: number;
}

export interface RunOptions {
  config: RunConfig;
  client: ModelClient;
  backend: JudgeBackend;
  retry: RetryPolicy;
  concurrency: number;
  onProgress?: (progress: Progress, line?: string) => void;
}

function judgeNoCode(): Judged {
  return {
    verdict: 'NC',
    rawVerdict: 'NC',
    backend: 'none',
    judgedOn: 'not submitted',
    judgeMs: 0,
    maxTimeMs: null,
    maxMemoryKb: null,
    failedTest: null,
    message: 'no fenced code block in the answer',
  };
}

function judgeUnknownLanguage(tag: string): Judged {
  return {
    verdict: 'CE',
    rawVerdict: 'CE',
    backend: 'none',
    judgedOn: 'not submitted',
    judgeMs: 0,
    maxTimeMs: null,
    maxMemoryKb: null,
    failedTest: null,
    message: `code block tagged '${tag}', a language the judge does not run`,
  };
}

class Runner {
  private readonly progress: Progress;

  constructor(
    private readonly store: RunStore,
    private readonly options: RunOptions,
    total: number,
  ) {
    this.progress = {
      problemsTotal: total,
      problemsDone: 0,
      incomplete: 0,
      attempts: 0,
      verdicts: {},
      promptTokens: 0,
      completionTokens: 0,
      startedAt: Date.now(),
      doneHere: 0,
    };
  }

  private count(row: AttemptRow): void {
    this.progress.attempts++;
    this.progress.promptTokens += row.promptTokens;
    this.progress.completionTokens += row.completionTokens;
  }

  private countVerdict(v: string): void {
    const key = v as AttemptVerdict;
    this.progress.verdicts[key] = (this.progress.verdicts[key] ?? 0) + 1;
  }

  /** Counts what earlier sessions already finished, so the display starts where the run is. */
  countStored(): void {
    for (const row of this.store.attempts()) {
      this.count(row);
      if (row.judgment) this.countVerdict(row.judgment.verdict);
    }
    this.report();
  }

  get incomplete(): number {
    return this.progress.incomplete;
  }

  report(line?: string): void {
    this.options.onProgress?.(this.progress, line);
  }

  async runProblem(problem: HarnessProblem): Promise<void> {
    const { config, client, backend, retry } = this.options;
    const where = (attempt: number) => ({ contestId: problem.contestId, index: problem.index, attempt });
    const existing = this.store.attempts(problem.contestId, problem.index);
    const prompt = buildPrompt(
      problem.statement ?? { title: problem.title, description: '', examples: [] },
      config.language,
    );
    let outcome = 'done';
    for (let attempt = 1; attempt <= config.maxAttempts; attempt++) {
      let row = existing[attempt - 1];
      if (!row) {
        if (this.store.isExhausted(problem.contestId, problem.index)) break;
        if (!problem.statement && client.provider !== 'replay') {
          this.store.event(
            'no-statement',
            `${problem.key}: no statement in any source (give --dataset), not attempted`,
            where(attempt),
          );
          outcome = 'no statement';
          break;
        }
        const started = Date.now();
        const startedAt = new Date(started).toISOString();
        let generation: Awaited<ReturnType<typeof generateWithRetries>>;
        try {
          generation = await generateWithRetries(
            client,
            { key: problem.key, attempt, prompt, seed: config.seed + attempt - 1 },
            retry,
            (message, willRetry) => {
              this.store.event(willRetry ? 'request-retried' : 'request-failed', message, where(attempt));
              this.report(`${problem.key} attempt ${attempt}: ${message}${willRetry ? ' (retrying)' : ''}`);
            },
          );
        } catch (err) {
          this.store.event(
            'generation-failed',
            `${(err as Error).message}; re-run the same command to retry`,
            where(attempt),
          );
          outcome = 'incomplete';
          break;
        }
        if (generation === null) {
          this.store.markExhausted(problem.contestId, problem.index, attempt - 1);
          break;
        }
        const extracted = extractCode(generation.text);
        row = {
          contestId: problem.contestId,
          index: problem.index,
          attempt,
          startedAt,
          finishedAt: '',
          generationMs: Date.now() - started,
          answer: generation.text,
          finishReason: generation.finishReason,
          promptTokens: generation.promptTokens,
          completionTokens: generation.completionTokens,
          code: extracted?.code ?? null,
          lang: extracted?.lang ?? null,
          tag: extracted?.tag ?? null,
          judgment: null,
        };
        this.store.recordGeneration(row);
        this.count(row);
      }
      let verdict = row.judgment?.verdict;
      if (!verdict) {
        let judged: Judged;
        try {
          if (row.code === null) judged = judgeNoCode();
          else if (row.lang === null) judged = judgeUnknownLanguage(row.tag ?? '');
          else judged = await backend.judge(problem, row.lang, row.code, `${config.model}:${problem.key}:${attempt}`);
        } catch (err) {
          this.store.event(
            'judge-failed',
            `${(err as Error).message}; re-run the same command to judge it`,
            where(attempt),
          );
          outcome = 'incomplete';
          break;
        }
        this.store.recordJudgment(problem.contestId, problem.index, attempt, judged);
        this.countVerdict(judged.verdict);
        verdict = judged.verdict;
        this.report(
          `${problem.key} attempt ${attempt}: ${judged.verdict}${judged.judgedOn === 'examples only' ? ' (examples only)' : ''}`,
        );
      }
      if (verdict === 'AC' && config.stopAtFirstAc) break;
    }
    if (outcome === 'incomplete') this.progress.incomplete++;
    else {
      this.progress.problemsDone++;
      this.progress.doneHere++;
    }
    this.report();
  }
}

export interface RunSummary {
  problems: number;
  incomplete: number;
}

export async function runContests(store: RunStore, contests: RunContest[], options: RunOptions): Promise<RunSummary> {
  if (options.config.maxAttempts < 1 || options.config.maxAttempts > MAX_ATTEMPTS)
    throw new LmlabError(`--attempts must be between 1 and ${MAX_ATTEMPTS}`);
  bindConfig(store, options.config);
  contests.forEach((c, position) =>
    store.saveContest(
      c.pack,
      position,
      c.simulated,
      c.problems.map((p) => ({
        contestId: p.contestId,
        index: p.index,
        key: p.key,
        title: p.title,
        rating: p.rating ?? null,
        tags: p.tags,
        localMode: p.localMode,
        source: p.source,
      })),
    ),
  );
  const queue = contests.flatMap((c) => c.problems);
  const runner = new Runner(store, options, queue.length);
  runner.countStored();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queue.length) await runner.runProblem(queue[next++]);
  };
  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, queue.length)) }, worker);
  await Promise.all(workers);
  return { problems: queue.length, incomplete: runner.incomplete };
}

/**
 * Whether the run finished a problem: it is solved (when attempts stop at the first AC), every
 * attempt was judged, or the model had no more answers; and no attempt went unjudged (SKIP: an
 * internal judge error, no verdict, or no local tests). Anything else (a request or a judging
 * that failed, no statement, an interrupted run) leaves it incomplete.
 */
export function problemFinished(
  store: RunStore,
  config: Pick<RunConfig, 'maxAttempts' | 'stopAtFirstAc'>,
  contestId: number,
  index: string,
  attempts: AttemptRow[],
): boolean {
  const judged = attempts.filter((a) => a.judgment);
  if (judged.length < attempts.length) return false;
  if (judged.some((a) => a.judgment!.verdict === 'SKIP')) return false;
  if (config.stopAtFirstAc && judged.some((a) => a.judgment!.verdict === 'AC')) return true;
  return judged.length >= config.maxAttempts || store.isExhausted(contestId, index);
}

/** RESULTS.json of the run: every problem listed, with the verdicts of its judged attempts. */
export function resultsFromStore(store: RunStore): CodeeloResults {
  const config = JSON.parse(store.getMeta('config') ?? '{}') as Partial<RunConfig>;
  const contests: CodeeloResults['contests'] = {};
  for (const { pack } of store.contests())
    contests[String(pack.contest.id)] = {
      problems: Object.fromEntries(pack.problems.map((p) => [p.index, [] as AttemptVerdict[]])),
    };
  const byProblem = new Map<string, AttemptRow[]>();
  for (const row of store.attempts()) {
    const key = `${row.contestId}/${row.index}`;
    byProblem.set(key, [...(byProblem.get(key) ?? []), row]);
    if (!row.judgment) continue;
    contests[String(row.contestId)]?.problems[row.index]?.push(row.judgment.verdict as AttemptVerdict);
  }
  const finishRule = { maxAttempts: config.maxAttempts ?? MAX_ATTEMPTS, stopAtFirstAc: config.stopAtFirstAc ?? true };
  const incomplete: Record<string, string[]> = {};
  for (const [id, c] of Object.entries(contests)) {
    const open = Object.keys(c.problems).filter(
      (index) => !problemFinished(store, finishRule, Number(id), index, byProblem.get(`${id}/${index}`) ?? []),
    );
    if (open.length) incomplete[id] = open;
  }
  const complete = Object.keys(incomplete).length === 0;
  return {
    format: 'lmlab-codeelo-results',
    version: 1,
    ...(config.model ? { model: config.model } : {}),
    run: {
      seed: config.seed,
      language: config.language,
      maxNewTokens: config.sampling?.maxTokens,
      judge: config.judge,
      prompt: config.prompt,
      maxAttempts: config.maxAttempts,
      stopAtFirstAc: config.stopAtFirstAc,
      attemptOrder: config.attemptOrder,
    },
    contests,
    status: complete ? 'complete' : 'incomplete',
    ...(complete ? {} : { incomplete }),
  };
}
