// Kill-and-resume: a real `lmlab codeelo run` child process is killed with SIGKILL in the middle
// of a run (while a request is in flight), then the same command is run again. Nothing that was
// stored is repeated or lost, and the final numbers equal those of an uninterrupted run.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simulatedPack } from '../../../src/codeelo/harness/simulated.ts';
import { buildReport } from '../../../src/codeelo/harness/report.ts';
import { RunStore, type AttemptRow } from '../../../src/codeelo/harness/store.ts';
import { savePack } from '../../../src/codeelo/rating/pack.ts';
import {
  answerWith,
  packagesDir,
  sandboxSkipReason,
  startMockOpenAi,
  TEST_CONTEST,
  type MockAction,
  type MockRequest,
} from './helpers.ts';

const BIN = fileURLToPath(new URL('../../../bin/lmlab.js', import.meta.url));

const ANSWERS: Record<string, string[]> = {
  'Compact Log': [
    answerWith('compact-log', 'last-run-dropped.cpp'),
    'No idea, sorry.',
    answerWith('compact-log', 'ref.cpp'),
  ],
  'Exactly One Divisor': [
    answerWith('exactly-one-divisor', 'lcm-overflow.cpp'),
    answerWith('exactly-one-divisor', 'ref.cpp'),
  ],
  'Study Pairs': [
    answerWith('study-pairs', 'adjacent-pairs.cpp'),
    answerWith('study-pairs', 'typo.cpp'),
    answerWith('study-pairs', 'ref.cpp'),
  ],
};

/** Answers by (problem, attempt) through the seed, so a repeated request gets the same answer. */
function answer(req: MockRequest): MockAction {
  return { kind: 'answer', text: ANSWERS[req.title][(req.seed ?? 1) - 1], chunks: 4, chunkDelayMs: 60 };
}

function runCli(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, done };
}

function snapshot(db: string): AttemptRow[] {
  const store = new RunStore(db, { create: false });
  try {
    return store.attempts();
  } finally {
    store.close();
  }
}

test('a run killed with SIGKILL resumes without repeating or losing work', {
  skip: sandboxSkipReason(),
  timeout: 240_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-harness-resume-'));
  let victim: ChildProcess | null = null;
  let killAt = 5;
  const server = await startMockOpenAi((req, nth) => {
    if (victim && nth === killAt) {
      victim.kill('SIGKILL');
      victim = null;
      return { kind: 'hang' };
    }
    return answer(req);
  });
  try {
    const packFile = join(dir, 'pack.json');
    savePack(simulatedPack(TEST_CONTEST), packFile);
    const packages = packagesDir(
      dir,
      TEST_CONTEST.id,
      Object.fromEntries(TEST_CONTEST.problems.map((p) => [p.index, p.problem])),
    );
    const args = (db: string): string[] => [
      'codeelo',
      'run',
      '--contests',
      packFile,
      '--packages',
      packages,
      '--base-url',
      server.url,
      '--model',
      'mock-coder',
      '--db',
      db,
      '--concurrency',
      '2',
      '--retries',
      '0',
      '--quiet',
    ];

    const killedDb = join(dir, 'killed.sqlite');
    const first = runCli(args(killedDb));
    victim = first.child;
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL', `the first run was not killed: ${killed.stderr}`);
    const before = snapshot(killedDb);
    assert.ok(before.length >= 2 && before.length < 8, `stored ${before.length} generations before the kill`);
    const requestsBefore = server.requests.length;

    const second = await runCli(args(killedDb)).done;
    assert.equal(second.code, 0, second.stderr);
    const after = snapshot(killedDb);
    const resumedRequests = server.requests.length - requestsBefore;
    // Nothing repeated: the resumed run asked only for the generations that were not stored.
    assert.equal(resumedRequests, after.length - before.length);
    // Nothing lost or redone: every stored generation and judgment is still there, untouched.
    for (const row of before) {
      const same = after.find(
        (r) => r.contestId === row.contestId && r.index === row.index && r.attempt === row.attempt,
      );
      assert.ok(same, `attempt ${row.index}/${row.attempt} was lost`);
      assert.equal(same.finishedAt, row.finishedAt);
      assert.equal(same.answer, row.answer);
      if (row.judgment) assert.deepEqual(same.judgment, row.judgment);
    }

    killAt = Infinity;
    const cleanDb = join(dir, 'clean.sqlite');
    const clean = await runCli(args(cleanDb)).done;
    assert.equal(clean.code, 0, clean.stderr);
    const verdicts = (rows: AttemptRow[]): string[] => rows.map((r) => `${r.index}${r.attempt}:${r.judgment?.verdict}`);
    const cleanRows = snapshot(cleanDb);
    assert.deepEqual(verdicts(after), verdicts(cleanRows));
    assert.deepEqual(verdicts(cleanRows), ['A1:WA', 'A2:NC', 'A3:AC', 'B1:WA', 'B2:AC', 'C1:WA', 'C2:CE', 'C3:AC']);

    const rate = (db: string) => {
      const store = new RunStore(db, { create: false });
      try {
        return buildReport(store, { mode: 'corrected', bootstrap: 100 }).rating;
      } finally {
        store.close();
      }
    };
    const resumed = rate(killedDb);
    const uninterrupted = rate(cleanDb);
    assert.deepEqual(resumed.contests, uninterrupted.contests);
    assert.equal(resumed.elo, uninterrupted.elo);
    assert.deepEqual(resumed.intervals, uninterrupted.intervals);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
