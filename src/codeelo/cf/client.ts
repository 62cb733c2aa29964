// A typed, polite Codeforces API client: every response is validated with the zod schemas of
// schemas.ts; requests are serialised with at least `minIntervalMs` (default 2 s, the API's
// published limit) between them; transient failures (network errors, HTTP 429/5xx, truncated
// or malformed bodies, "Call limit exceeded") are retried with exponential backoff; a FAILED
// status is reported with the API's own comment; successful responses are cached on disk so a
// contest is fetched once. The base URL is configurable (tests point it at a local server).
// It does not build contest packs; see ../rating/pack.ts.
import { LmlabError } from '../../util/errors.ts';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import {
  CfApiFailedError,
  cfProblemsetSchema,
  cfRatedListSchema,
  cfRatingChangesSchema,
  cfStandingsSchema,
  parseWith,
  unwrapEnvelope,
  type CfProblemset,
  type CfRatedUser,
  type CfRatingChange,
  type CfStandings,
} from './schemas.ts';

export const DEFAULT_BASE_URL = 'https://codeforces.com/api';
export const DEFAULT_MIN_INTERVAL_MS = 2000;

export interface CfClientOptions {
  baseUrl?: string;
  /** Minimum time between the starts of two requests. */
  minIntervalMs?: number;
  /** Retries after the first attempt for transient failures. */
  retries?: number;
  /** First backoff delay; doubles on each retry (never below minIntervalMs in effect). */
  backoffMs?: number;
  /** Directory for cached responses; no caching when absent. */
  cacheDir?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

class TransientError extends Error {}

export class CodeforcesClient {
  readonly baseUrl: string;
  private readonly minIntervalMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private lastRequestAt = -Infinity;
  private queue: Promise<unknown> = Promise.resolve();
  /** Number of HTTP requests actually sent (cache hits do not count). */
  requests = 0;

  constructor(private readonly options: CfClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.retries = options.retries ?? 3;
    this.backoffMs = options.backoffMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  contestStandings(contestId: number): Promise<CfStandings> {
    return this.call('contest.standings', { contestId, showUnofficial: false }, cfStandingsSchema);
  }

  contestRatingChanges(contestId: number): Promise<CfRatingChange[]> {
    return this.call('contest.ratingChanges', { contestId }, cfRatingChangesSchema);
  }

  userRatedList(activeOnly = false): Promise<CfRatedUser[]> {
    return this.call('user.ratedList', { activeOnly }, cfRatedListSchema);
  }

  problemsetProblems(): Promise<CfProblemset> {
    return this.call('problemset.problems', {}, cfProblemsetSchema);
  }

  /** One API method call: cache, then the rate-limited request with retries. */
  call<T>(method: string, params: Record<string, string | number | boolean>, schema: z.ZodType<T>): Promise<T> {
    const query = Object.keys(params)
      .sort()
      .map((k) => `${k}=${encodeURIComponent(String(params[k]))}`)
      .join('&');
    const what = `${method}${query ? `?${query}` : ''}`;
    const cached = this.readCache(method, query, schema, what);
    if (cached !== undefined) return Promise.resolve(cached);
    const run = this.queue.then(() => this.fetchWithRetries(method, query, schema, what));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async fetchWithRetries<T>(method: string, query: string, schema: z.ZodType<T>, what: string): Promise<T> {
    let lastError: Error | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(this.backoffMs * 2 ** (attempt - 1));
      try {
        const text = await this.request(`${this.baseUrl}/${method}${query ? `?${query}` : ''}`, what);
        const result = parseWith(schema, this.unwrap(text, what), `${what}: unexpected response shape`);
        this.writeCache(method, query, text);
        return result;
      } catch (err) {
        if (!(err instanceof TransientError)) throw err;
        lastError = err;
      }
    }
    throw new LmlabError(`${lastError!.message} (gave up after ${this.retries + 1} attempts)`);
  }

  private unwrap(text: string, what: string): unknown {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new TransientError(`${what}: malformed JSON in the response (${(err as Error).message})`);
    }
    try {
      return unwrapEnvelope(data, what);
    } catch (err) {
      if (err instanceof CfApiFailedError && /limit exceeded/i.test(err.comment)) throw new TransientError(err.message);
      throw err;
    }
  }

  /** Waits for the rate limit, sends one GET, returns the body of a usable response. */
  private async request(url: string, what: string): Promise<string> {
    // Loop: a timer may fire a fraction of a millisecond early.
    for (
      let wait = this.lastRequestAt + this.minIntervalMs - performance.now();
      wait > 0;
      wait = this.lastRequestAt + this.minIntervalMs - performance.now()
    ) {
      await sleep(Math.ceil(wait));
    }
    this.lastRequestAt = performance.now();
    this.requests++;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new TransientError(`${what}: request failed (${reason})`);
    }
    let body: string;
    try {
      body = await response.text();
    } catch (err) {
      throw new TransientError(`${what}: response body cut off (${(err as Error).message})`);
    }
    if (response.status === 429 || response.status >= 500) {
      throw new TransientError(`${what}: HTTP ${response.status} ${response.statusText}`.trim());
    }
    if (!response.ok) {
      // The API answers bad requests with HTTP 400 and a FAILED envelope: surface its comment.
      let data: unknown;
      try {
        data = JSON.parse(body);
      } catch {
        throw new LmlabError(`${what}: HTTP ${response.status} ${response.statusText}`.trim());
      }
      unwrapEnvelope(data, what);
      throw new LmlabError(`${what}: HTTP ${response.status} ${response.statusText}`.trim());
    }
    return body;
  }

  private cachePath(method: string, query: string): string | undefined {
    if (!this.options.cacheDir) return undefined;
    const key = `${method}${query ? `-${query}` : ''}`.replace(/[^A-Za-z0-9._=-]+/g, '_');
    return join(this.options.cacheDir, `${key}.json`);
  }

  private readCache<T>(method: string, query: string, schema: z.ZodType<T>, what: string): T | undefined {
    const path = this.cachePath(method, query);
    if (!path) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
    // A damaged cache entry is treated as a miss and refetched, never trusted.
    try {
      return parseWith(schema, unwrapEnvelope(JSON.parse(text), what), what);
    } catch {
      return undefined;
    }
  }

  private writeCache(method: string, query: string, text: string): void {
    const path = this.cachePath(method, query);
    if (!path) return;
    mkdirSync(this.options.cacheDir!, { recursive: true });
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, text);
    renameSync(partial, path);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
