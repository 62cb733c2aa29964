// A CodeElo run that did not finish says so (exit code 75, stderr, a banner in every report, no
// Elo for a contest with unjudged problems), one process writes a run database at a time, and a
// damaged database (empty, corrupted, WAL cut short) is refused with its name, never restarted.
import test from 'node:test';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunStore } from '../../../src/codeelo/harness/store.ts';
import { lmlab } from './helpers.ts';
import { LmlabError } from '../../../src/util/errors.ts';

/** A loopback port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a run against an unreachable server is incomplete: exit 75, banner everywhere, no Elo', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-incomplete-'));
  try {
    const db = join(dir, 'run.sqlite');
    const args = [
      'codeelo',
      'run',
      '--contests',
      'bundled:900001',
      '--base-url',
      `http://127.0.0.1:${await closedPort()}/v1`,
      '--model',
      'nobody',
      '--retries',
      '0',
      '--timeout',
      '5',
      '--db',
      db,
      '--quiet',
    ];
    const run = await lmlab(args);
    assert.equal(run.code, 75, run.stderr);
    assert.match(run.stderr, /INCOMPLETE: \d+ problem\(s\) not generated or judged/);
    assert.match(run.stderr, /^lmlab: incomplete run: .*re-run the same command to finish$/m);
    assert.match(run.stdout, /INCOMPLETE RUN/);
    assert.match(run.stdout, /^Elo: - /m);
    assert.doesNotMatch(run.stdout, /Elo: \d/);
    assert.match(run.stdout, /skipped: incomplete/);

    const report = await lmlab(['codeelo', 'report', db, '--out', join(dir, 'report'), '--bootstrap', '0']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stderr, /INCOMPLETE RUN/);
    const json = JSON.parse(readFileSync(join(dir, 'report', 'report.json'), 'utf8'));
    assert.equal(json.status, 'incomplete');
    assert.equal(json.rating.elo, null);
    assert.equal(json.rating.percentile, null);
    assert.ok(json.incomplete.length > 0);
    assert.match(json.notes[0], /^INCOMPLETE RUN/);
    assert.match(readFileSync(join(dir, 'report', 'report.md'), 'utf8'), /^> INCOMPLETE RUN: /m);
    assert.match(readFileSync(join(dir, 'report', 'report.html'), 'utf8'), /INCOMPLETE RUN: /);
    const results = JSON.parse(readFileSync(join(dir, 'report', 'RESULTS.json'), 'utf8'));
    assert.equal(results.status, 'incomplete');
    assert.deepEqual(Object.keys(results.incomplete), ['900001']);
    const pack = await lmlab([
      'codeelo',
      'report',
      db,
      '--out',
      join(dir, 'report2'),
      '--bootstrap',
      '0',
      '--allow-incomplete',
    ]);
    assert.equal(pack.code, 0, pack.stderr);
    const allowed = JSON.parse(readFileSync(join(dir, 'report2', 'report.json'), 'utf8'));
    assert.equal(
      typeof allowed.rating.elo,
      'number',
      '--allow-incomplete rates it, counting unjudged problems as failed',
    );
    assert.match(allowed.notes[0], /rated anyway/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second writer on one run database fails fast: "in use by PID n"', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-store-lock-'));
  try {
    const db = join(dir, 'run.sqlite');
    const holder = new RunStore(db, { create: true, lock: true });
    try {
      assert.throws(
        () => new RunStore(db, { create: true, lock: true }),
        new RegExp(`run database .*run\\.sqlite is in use by PID ${process.pid}`),
      );
      const second = await lmlab([
        'codeelo',
        'run',
        '--contests',
        'bundled:900001',
        '--base-url',
        'http://127.0.0.1:9/v1',
        '--model',
        'x',
        '--db',
        db,
        '--quiet',
      ]);
      assert.equal(second.code, 1);
      assert.match(second.stderr, new RegExp(`^lmlab: run database .* is in use by PID ${process.pid} \\(since `));
      assert.doesNotMatch(second.stderr, /UNIQUE constraint/);
      // readers (report, leaderboard) still work while it runs
      new RunStore(db, { create: false }).close();
    } finally {
      holder.close();
    }
    assert.equal(existsSync(`${db}.lock`), false);
    // a lock left by a dead process is taken over
    writeFileSync(
      `${db}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), started: 'then' }),
    );
    new RunStore(db, { create: true, lock: true }).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty, corrupted or WAL-truncated run database is refused, naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-store-damage-'));
  try {
    const refuses = (path: string, pattern: RegExp) =>
      assert.throws(
        () => new RunStore(path, { create: true, lock: true }),
        (e: Error) => e instanceof LmlabError && pattern.test(e.message) && e.message.includes(path),
      );

    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    refuses(empty, /is empty \(0 bytes\)/);
    assert.equal(statSync(empty).size, 0, 'left as it was, not restarted');

    const garbage = join(dir, 'garbage.sqlite');
    writeFileSync(garbage, Buffer.alloc(8192, 0x41));
    refuses(garbage, /cannot open run database .*: file is not a database/);

    // a live run's database and WAL, copied as a kill would leave them
    const live = join(dir, 'live.sqlite');
    const store = new RunStore(live, { create: true });
    for (let i = 0; i < 40; i++) store.event('note', `event ${i} ${'x'.repeat(200)}`);
    const copy = join(dir, 'copy.sqlite');
    copyFileSync(live, copy);
    copyFileSync(`${live}-wal`, `${copy}-wal`);
    store.close();
    const truncated = join(dir, 'truncated.sqlite');
    copyFileSync(copy, truncated);
    copyFileSync(`${copy}-wal`, `${truncated}-wal`);
    truncateSync(`${truncated}-wal`, statSync(`${truncated}-wal`).size - 100);
    refuses(truncated, /is damaged: its write-ahead log .*truncated inside a frame/);
    // the intact copy opens with every committed row
    const intact = new RunStore(copy, { create: true, lock: true });
    assert.equal(intact.events().length, 40);
    intact.close();

    // bytes overwritten inside the tables: quick_check (or SQLite itself) reports it
    const damaged = join(dir, 'damaged.sqlite');
    copyFileSync(copy, damaged);
    const size = statSync(damaged).size;
    assert.ok(size >= 4 * 4096, `several pages (${size} bytes)`);
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(3000, 0xa5), 0, 3000, size - 4096 + 100);
    closeSync(fd);
    refuses(damaged, /run database .*(is damaged \(quick_check|cannot open run database)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write the disk refuses (SQLITE_FULL) is an error naming the run database, and committed rows survive', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-full-'));
  try {
    const path = join(dir, 'run.sqlite');
    const store = new RunStore(path, { create: true, lock: true });
    const row = {
      contestId: 1,
      index: 'A',
      attempt: 1,
      startedAt: new Date().toISOString(),
      generationMs: 5,
      answer: 'short answer',
      finishReason: 'stop',
      promptTokens: 10,
      completionTokens: 3,
      code: null,
      lang: null,
      tag: null,
    };
    store.recordGeneration(row);
    // The database may not grow past its current size: the next big row is a real SQLITE_FULL.
    const pages = store.pragmaForTest('page_count', true) as number;
    store.pragmaForTest(`max_page_count = ${pages}`);
    assert.throws(
      () => store.recordGeneration({ ...row, attempt: 2, answer: 'x'.repeat(1 << 20) }),
      (e: unknown) =>
        e instanceof LmlabError &&
        e.message.includes(path) &&
        /full/i.test(e.message) &&
        e.message.includes('SQLITE_FULL'),
    );
    store.close();
    const reopened = new RunStore(path, { create: false });
    assert.deepEqual(
      reopened.attempts().map((a) => [a.attempt, a.answer]),
      [[1, 'short answer']],
    );
    reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
