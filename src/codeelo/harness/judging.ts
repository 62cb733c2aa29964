// Judging backends of the harness. `local`: the sandboxed judge on the problem's full tests or,
// for problems that only have statement examples, on those (reported as such). `remote`: the
// CodeElo submission service (GET /check_auth, GET /get_problem, POST /submit_code, GET
// /check_status), base URL and token from the environment. Both return verdicts in the results
// vocabulary plus the raw verdict and which backend and test set produced it.
// It does not store anything (store.ts) nor pick attempts (runner.ts).
import { judgeSubmission } from '../judge/judge.ts';
import { languageById } from '../judge/languages.ts';
import type { Verdict as JudgeVerdict } from '../judge/verdict.ts';
import { ATTEMPT_VERDICTS, type AttemptVerdict } from '../rating/results.ts';
import type { HarnessProblem } from './problems.ts';
import { LmlabError } from '../../util/errors.ts';

export type BackendName = 'local' | 'remote';

export interface Judged {
  verdict: AttemptVerdict;
  rawVerdict: string;
  backend: string;
  /** 'full tests', 'examples only', 'platform', or 'not judged'. */
  judgedOn: string;
  judgeMs: number;
  maxTimeMs: number | null;
  maxMemoryKb: number | null;
  failedTest: string | null;
  message: string;
}

export interface JudgeBackend {
  readonly name: BackendName;
  judge(problem: HarnessProblem, lang: string, code: string, tag: string): Promise<Judged>;
}

/** Judge verdicts outside the results vocabulary: OLE is OTHER, an internal error is SKIP. */
export function toResultVerdict(raw: string): AttemptVerdict {
  if (raw === 'IE') return 'SKIP';
  if (raw === 'OLE') return 'OTHER';
  return (ATTEMPT_VERDICTS as readonly string[]).includes(raw) ? (raw as AttemptVerdict) : 'OTHER';
}

export class LocalBackend implements JudgeBackend {
  readonly name = 'local' as const;

  async judge(problem: HarnessProblem, lang: string, code: string): Promise<Judged> {
    const started = Date.now();
    if (!problem.local || problem.localMode === 'none') {
      const why = problem.interactive ? 'interactive problem without an interactor' : 'no tests or examples';
      return {
        verdict: 'SKIP',
        rawVerdict: 'SKIP',
        backend: 'local',
        judgedOn: 'not judged',
        judgeMs: 0,
        maxTimeMs: null,
        maxMemoryKb: null,
        failedTest: null,
        message: `${why}: only the remote judge can judge it`,
      };
    }
    const result = await judgeSubmission(problem.local, languageById(lang), Buffer.from(code, 'utf8'));
    const raw: JudgeVerdict = result.verdict;
    const failed = result.failedTest ? result.tests.find((t) => t.test === result.failedTest) : undefined;
    const message =
      raw === 'CE' ? result.compileMessage.split('\n').slice(0, 3).join(' ').slice(0, 300) : (failed?.message ?? '');
    return {
      verdict: toResultVerdict(raw),
      rawVerdict: raw,
      backend: 'local',
      judgedOn: problem.localMode === 'tests' ? 'full tests' : 'examples only',
      judgeMs: Date.now() - started,
      maxTimeMs: result.maxTimeMs,
      maxMemoryKb: result.maxMemoryKb,
      failedTest: result.failedTest,
      message,
    };
  }
}

export interface RemoteOptions {
  baseUrl: string;
  token: string;
  pollMs: number;
  /** Give up waiting for one verdict after this long (the verdict is then SKIP). */
  verdictTimeoutMs: number;
}

const PENDING = new Set([
  '',
  'PENDING',
  'QUEUED',
  'TESTING',
  'JUDGING',
  'RUNNING',
  'COMPILING',
  'IN_QUEUE',
  'SUBMITTED',
]);
const REMOTE_LANGUAGE: Record<string, string> = { cpp: 'cpp', c: 'c', py: 'python', js: 'javascript' };

/** Reads CODEELO_BASE_URL and CODEELO_TOKEN. */
export function remoteOptionsFromEnv(env: NodeJS.ProcessEnv, pollMs = 2000): RemoteOptions {
  const baseUrl = env.CODEELO_BASE_URL;
  const token = env.CODEELO_TOKEN;
  if (!baseUrl || !token)
    throw new LmlabError('the remote judge needs CODEELO_BASE_URL and CODEELO_TOKEN in the environment');
  return { baseUrl: baseUrl.replace(/\/+$/, ''), token, pollMs, verdictTimeoutMs: 30 * 60_000 };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class RemoteBackend implements JudgeBackend {
  readonly name = 'remote' as const;

  constructor(private readonly options: RemoteOptions) {}

  private async call(path: string, init?: { method: 'POST'; body: unknown }): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, {
        method: init?.method ?? 'GET',
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(init ? { 'content-type': 'application/json' } : {}),
        },
        ...(init ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(60_000),
      });
    } catch (err) {
      throw new LmlabError(`remote judge ${path.split('?')[0]}: ${(err as Error).message}`);
    }
    const text = await response.text();
    if (!response.ok)
      throw new LmlabError(`remote judge ${path.split('?')[0]}: HTTP ${response.status} ${text.slice(0, 120)}`);
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new LmlabError(`remote judge ${path.split('?')[0]}: response is not JSON`);
    }
  }

  /** Fails early with a clear message when the token is not accepted. */
  async checkAuth(): Promise<void> {
    await this.call('/check_auth');
  }

  async getProblem(key: string): Promise<Record<string, unknown>> {
    return this.call(`/get_problem?prob=${encodeURIComponent(key)}`);
  }

  async judge(problem: HarnessProblem, lang: string, code: string, tag: string): Promise<Judged> {
    const started = Date.now();
    const remoteLang = REMOTE_LANGUAGE[lang];
    if (!remoteLang) throw new LmlabError(`the remote judge takes no ${lang} submissions`);
    const submitted = await this.call('/submit_code', {
      method: 'POST',
      body: { prob: problem.key, lang: remoteLang, code, tag },
    });
    const id = submitted.submission_id;
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new LmlabError('remote judge /submit_code: no submission_id in the response');
    const deadline = started + this.options.verdictTimeoutMs;
    for (;;) {
      const status = await this.call(`/check_status?submission_id=${encodeURIComponent(String(id))}`);
      const canonical = String(status.status_canonical ?? '').toUpperCase();
      if (!PENDING.has(canonical)) {
        return {
          verdict: toResultVerdict(canonical),
          rawVerdict: canonical,
          backend: 'remote',
          judgedOn: 'platform',
          judgeMs: Date.now() - started,
          maxTimeMs: null,
          maxMemoryKb: null,
          failedTest: null,
          message: `submission ${id}`,
        };
      }
      if (Date.now() > deadline) {
        return {
          verdict: 'SKIP',
          rawVerdict: 'PENDING',
          backend: 'remote',
          judgedOn: 'platform',
          judgeMs: Date.now() - started,
          maxTimeMs: null,
          maxMemoryKb: null,
          failedTest: null,
          message: `submission ${id}: no verdict within ${this.options.verdictTimeoutMs} ms`,
        };
      }
      await sleep(this.options.pollMs);
    }
  }
}
