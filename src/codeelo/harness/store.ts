// The run database (SQLite through better-sqlite3, WAL): the run's settings, the contests and
// problems it covers, and every generation, extracted program, verdict, timing and request
// failure, each written as it happens in its own transaction, so a killed run loses at most the
// requests and judgings in flight. Re-opening the same file resumes the run.
// Opening verifies the file: an empty (0-byte) or damaged database (PRAGMA quick_check), or a
// write-ahead log cut short inside a frame (committed rows lost), is refused with an error
// naming the file rather than silently starting over. A log cut exactly at a frame boundary
// looks like a shorter, valid log to SQLite and cannot be told apart here (nothing outside the
// log counts commits). A writer holds a lock file (`<db>.lock`).
// It does not decide what to do next (runner.ts) nor format anything (report.ts).
import { createRequire } from 'node:module';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { LmlabError } from '../../util/errors.ts';
import { FileLock } from '../../util/lock.ts';
import { contestPackSchema, type ContestPack } from '../rating/pack.ts';

/** The part of better-sqlite3's API used here (the package ships no types of its own). */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface Database {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  pragma(sql: string): unknown;
  transaction<T extends (...args: never[]) => unknown>(fn: T): T;
  close(): void;
}
const BetterSqlite = createRequire(import.meta.url)('better-sqlite3') as new (
  path: string,
  options?: { readonly?: boolean; fileMustExist?: boolean },
) => Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contests (contest_id INTEGER PRIMARY KEY, position INTEGER NOT NULL, simulated INTEGER NOT NULL, pack TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS problems (
  contest_id INTEGER NOT NULL, idx TEXT NOT NULL, key TEXT NOT NULL, title TEXT NOT NULL, rating INTEGER,
  tags TEXT NOT NULL, local_mode TEXT NOT NULL, source TEXT NOT NULL, PRIMARY KEY (contest_id, idx));
CREATE TABLE IF NOT EXISTS attempts (
  contest_id INTEGER NOT NULL, idx TEXT NOT NULL, attempt INTEGER NOT NULL,
  started_at TEXT NOT NULL, finished_at TEXT NOT NULL, generation_ms INTEGER NOT NULL,
  answer TEXT NOT NULL, finish_reason TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
  code TEXT, lang TEXT, tag TEXT, PRIMARY KEY (contest_id, idx, attempt));
CREATE TABLE IF NOT EXISTS judgments (
  contest_id INTEGER NOT NULL, idx TEXT NOT NULL, attempt INTEGER NOT NULL,
  verdict TEXT NOT NULL, raw_verdict TEXT NOT NULL, backend TEXT NOT NULL, judged_on TEXT NOT NULL,
  judge_ms INTEGER NOT NULL, max_time_ms INTEGER, max_memory_kb INTEGER, failed_test TEXT, message TEXT NOT NULL,
  judged_at TEXT NOT NULL, PRIMARY KEY (contest_id, idx, attempt));
CREATE TABLE IF NOT EXISTS exhausted (contest_id INTEGER NOT NULL, idx TEXT NOT NULL, after_attempt INTEGER NOT NULL, PRIMARY KEY (contest_id, idx));
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,
  contest_id INTEGER, idx TEXT, attempt INTEGER, message TEXT NOT NULL);
`;

export interface ProblemRow {
  contestId: number;
  index: string;
  key: string;
  title: string;
  rating: number | null;
  tags: string[];
  localMode: string;
  source: string;
}
export interface AttemptRow {
  contestId: number;
  index: string;
  attempt: number;
  startedAt: string;
  finishedAt: string;
  generationMs: number;
  answer: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
  code: string | null;
  lang: string | null;
  tag: string | null;
  judgment: JudgmentRow | null;
}
export interface JudgmentRow {
  verdict: string;
  rawVerdict: string;
  backend: string;
  judgedOn: string;
  judgeMs: number;
  maxTimeMs: number | null;
  maxMemoryKb: number | null;
  failedTest: string | null;
  message: string;
  judgedAt: string;
}
export interface EventRow {
  id: number;
  at: string;
  kind: string;
  contestId: number | null;
  index: string | null;
  attempt: number | null;
  message: string;
}

const now = (): string => new Date().toISOString();

/**
 * A WAL is a 32-byte header and frames of (24 + page size) bytes; SQLite silently ignores a
 * partial last frame, and with it the transaction it committed. Returns what is wrong, or null.
 */
function walProblem(walPath: string): string | null {
  if (!existsSync(walPath)) return null;
  const size = statSync(walPath).size;
  if (size === 0) return null;
  if (size < 32) return `its write-ahead log ${walPath} is cut short (${size} bytes, under the 32-byte header)`;
  const header = Buffer.alloc(32);
  const fd = openSync(walPath, 'r');
  try {
    readSync(fd, header, 0, 32, 0);
  } finally {
    closeSync(fd);
  }
  const magic = header.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return `its write-ahead log ${walPath} has no WAL header`;
  const pageSize = header.readUInt32BE(8) === 1 ? 65536 : header.readUInt32BE(8);
  if ((size - 32) % (24 + pageSize) !== 0) {
    return `its write-ahead log ${walPath} is truncated inside a frame (${size} bytes; committed rows would be lost)`;
  }
  return null;
}

/** Errors of SQLite while reading or writing (disk full, I/O error, damage) name the file. */
function withFileInErrors(db: Database, path: string): Database {
  const named = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof LmlabError) throw err;
      const e = err as { code?: string; message?: string };
      throw new LmlabError(
        `run database ${path}: ${(e.message ?? String(err)).split('\n')[0]}${e.code ? ` (${e.code})` : ''}`,
      );
    }
  };
  return {
    prepare: (sql) => {
      const st = named(() => db.prepare(sql));
      return {
        run: (...params) => named(() => st.run(...params)),
        get: (...params) => named(() => st.get(...params)),
        all: (...params) => named(() => st.all(...params)),
      };
    },
    exec: (sql) => named(() => db.exec(sql)),
    pragma: (sql) => named(() => db.pragma(sql)),
    transaction: (fn) => {
      const tx = db.transaction(fn);
      return ((...args: Parameters<typeof fn>) => named(() => tx(...args))) as typeof fn;
    },
    close: () => db.close(),
  };
}

function openDatabase(path: string, create: boolean): Database {
  let db: Database | undefined;
  try {
    db = new BetterSqlite(path, { fileMustExist: !create });
    db.pragma('journal_mode = WAL');
    // NORMAL keeps WAL commits durable against a killed process (only an OS crash may lose the tail).
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const check = db.pragma('quick_check') as { quick_check: string }[];
    const problems = check.map((r) => r.quick_check).filter((m) => m !== 'ok');
    if (problems.length)
      throw new LmlabError(`run database ${path} is damaged (quick_check: ${problems.slice(0, 3).join('; ')})`);
    db.exec(SCHEMA);
    return withFileInErrors(db, path);
  } catch (err) {
    try {
      db?.close();
    } catch {
      // closing a damaged handle may fail too
    }
    if (err instanceof LmlabError) throw err;
    const message = (err as Error).message.split('\n')[0];
    throw new LmlabError(`cannot open run database ${path}: ${message}`);
  }
}

export class RunStore {
  private readonly db: Database;
  private readonly lock: FileLock | null;

  /** create: make the file if missing; lock: take the writer's lock (`<path>.lock`). */
  constructor(
    readonly path: string,
    options: { create: boolean; lock?: boolean },
  ) {
    if (options.create) mkdirSync(dirname(path), { recursive: true });
    this.lock = options.lock ? FileLock.acquire(`${path}.lock`, `run database ${path}`) : null;
    try {
      if (existsSync(path) && statSync(path).size === 0) {
        throw new LmlabError(`run database ${path} is empty (0 bytes), not a run; remove it to start a new run there`);
      }
      // A reader next to a live writer sees its WAL grow: only check it when nobody writes.
      const writerLive = !options.lock && existsSync(`${path}.lock`);
      const wal = writerLive || !existsSync(path) ? null : walProblem(`${path}-wal`);
      if (wal) throw new LmlabError(`run database ${path} is damaged: ${wal}`);
      this.db = openDatabase(path, options.create);
    } catch (err) {
      this.lock?.release();
      throw new LmlabError(`cannot open run database ${path}: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.db.close();
    this.lock?.release();
  }

  /** A pragma on this connection (tests use it to cap the file's size); `simple` returns the value. */
  pragmaForTest(sql: string, simple = false): unknown {
    const result = this.db.pragma(sql) as Record<string, unknown>[];
    return simple ? Object.values(result[0] ?? {})[0] : result;
  }

  getMeta(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(key, value);
  }

  saveContest(pack: ContestPack, position: number, simulated: boolean, problems: ProblemRow[]): void {
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO contests (contest_id, position, simulated, pack) VALUES (?, ?, ?, ?)')
        .run(pack.contest.id, position, simulated ? 1 : 0, JSON.stringify(pack));
      const insert = this.db.prepare(
        'INSERT OR REPLACE INTO problems (contest_id, idx, key, title, rating, tags, local_mode, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const p of problems)
        insert.run(p.contestId, p.index, p.key, p.title, p.rating, JSON.stringify(p.tags), p.localMode, p.source);
    })();
  }

  contests(): { pack: ContestPack; simulated: boolean }[] {
    const rows = this.db.prepare('SELECT pack, simulated FROM contests ORDER BY position').all() as {
      pack: string;
      simulated: number;
    }[];
    return rows.map((r) => ({ pack: contestPackSchema.parse(JSON.parse(r.pack)), simulated: r.simulated === 1 }));
  }

  problems(): ProblemRow[] {
    const rows = this.db
      .prepare('SELECT p.* FROM problems p JOIN contests c USING (contest_id) ORDER BY c.position, p.idx')
      .all() as Record<string, unknown>[];
    return rows.map((r) => ({
      contestId: r.contest_id as number,
      index: r.idx as string,
      key: r.key as string,
      title: r.title as string,
      rating: r.rating as number | null,
      tags: JSON.parse(r.tags as string) as string[],
      localMode: r.local_mode as string,
      source: r.source as string,
    }));
  }

  /** Every attempt of one problem (or of the whole run), in attempt order, with its verdict. */
  attempts(contestId?: number, index?: string): AttemptRow[] {
    const where = contestId === undefined ? '' : 'WHERE a.contest_id = ? AND a.idx = ?';
    const rows = this.db
      .prepare(`SELECT a.*, j.verdict, j.raw_verdict, j.backend, j.judged_on, j.judge_ms, j.max_time_ms, j.max_memory_kb,
      j.failed_test, j.message, j.judged_at FROM attempts a LEFT JOIN judgments j USING (contest_id, idx, attempt) ${where}
      ORDER BY a.contest_id, a.idx, a.attempt`)
      .all(...(contestId === undefined ? [] : [contestId, index])) as Record<string, unknown>[];
    return rows.map((r) => ({
      contestId: r.contest_id as number,
      index: r.idx as string,
      attempt: r.attempt as number,
      startedAt: r.started_at as string,
      finishedAt: r.finished_at as string,
      generationMs: r.generation_ms as number,
      answer: r.answer as string,
      finishReason: r.finish_reason as string,
      promptTokens: r.prompt_tokens as number,
      completionTokens: r.completion_tokens as number,
      code: r.code as string | null,
      lang: r.lang as string | null,
      tag: r.tag as string | null,
      judgment:
        r.verdict === null
          ? null
          : {
              verdict: r.verdict as string,
              rawVerdict: r.raw_verdict as string,
              backend: r.backend as string,
              judgedOn: r.judged_on as string,
              judgeMs: r.judge_ms as number,
              maxTimeMs: r.max_time_ms as number | null,
              maxMemoryKb: r.max_memory_kb as number | null,
              failedTest: r.failed_test as string | null,
              message: r.message as string,
              judgedAt: r.judged_at as string,
            },
    }));
  }

  recordGeneration(row: Omit<AttemptRow, 'judgment' | 'finishedAt'>): void {
    this.db
      .prepare(`INSERT INTO attempts (contest_id, idx, attempt, started_at, finished_at, generation_ms, answer, finish_reason,
      prompt_tokens, completion_tokens, code, lang, tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        row.contestId,
        row.index,
        row.attempt,
        row.startedAt,
        now(),
        row.generationMs,
        row.answer,
        row.finishReason,
        row.promptTokens,
        row.completionTokens,
        row.code,
        row.lang,
        row.tag,
      );
  }

  recordJudgment(contestId: number, index: string, attempt: number, j: Omit<JudgmentRow, 'judgedAt'>): void {
    this.db
      .prepare(`INSERT INTO judgments (contest_id, idx, attempt, verdict, raw_verdict, backend, judged_on, judge_ms, max_time_ms,
      max_memory_kb, failed_test, message, judged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        contestId,
        index,
        attempt,
        j.verdict,
        j.rawVerdict,
        j.backend,
        j.judgedOn,
        j.judgeMs,
        j.maxTimeMs,
        j.maxMemoryKb,
        j.failedTest,
        j.message,
        now(),
      );
  }

  markExhausted(contestId: number, index: string, afterAttempt: number): void {
    this.db
      .prepare('INSERT OR REPLACE INTO exhausted (contest_id, idx, after_attempt) VALUES (?, ?, ?)')
      .run(contestId, index, afterAttempt);
  }

  isExhausted(contestId: number, index: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM exhausted WHERE contest_id = ? AND idx = ?').get(contestId, index) !== undefined
    );
  }

  event(kind: string, message: string, where?: { contestId: number; index: string; attempt: number }): void {
    this.db
      .prepare('INSERT INTO events (at, kind, contest_id, idx, attempt, message) VALUES (?, ?, ?, ?, ?, ?)')
      .run(now(), kind, where?.contestId ?? null, where?.index ?? null, where?.attempt ?? null, message);
  }

  events(): EventRow[] {
    const rows = this.db.prepare('SELECT * FROM events ORDER BY id').all() as Record<string, unknown>[];
    return rows.map((r) => ({
      id: r.id as number,
      at: r.at as string,
      kind: r.kind as string,
      contestId: r.contest_id as number | null,
      index: r.idx as string | null,
      attempt: r.attempt as number | null,
      message: r.message as string,
    }));
  }
}
