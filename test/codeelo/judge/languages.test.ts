// Every judge language (all are installed by .ci/run) passes the probes: A+B is AC, an endless
// loop TLE, a growing heap MLE, a crash RE; and the hostile probes (write outside the box, read a
// secret, connect to the host, kill a host process, spawn without end) change nothing on the host.
// One probe source per language answers every probe by its first input word, so each language
// compiles once per file. Limits are CPU time, with verdicts that hold on a slow loaded machine:
// 10 s of CPU for work of well under a second; 128 MB for the heap, reached long before 10 s.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { judgeSubmission } from '../../../src/codeelo/judge/judge.ts';
import {
  LANGUAGE_PACKAGES,
  LANGUAGES,
  languageAvailable,
  type Language,
} from '../../../src/codeelo/judge/languages.ts';
import { loadProblem, type Problem } from '../../../src/codeelo/judge/problem.ts';
import { fixtures, sandboxSkipReason } from './helpers.ts';

const skip = sandboxSkipReason();
const probes = join(fixtures, 'probes');
const SOURCES: Record<string, string> = {
  cpp: 'probe.cpp',
  cpp17: 'probe.cpp',
  cpp23: 'probe.cpp',
  c: 'probe.c',
  py: 'probe.py',
  pypy: 'probe.py',
  java: 'Probe.java',
  kotlin: 'probe.kt',
  rust: 'probe.rs',
  go: 'probe.go',
  csharp: 'probe.cs',
  js: 'probe.js',
};

const root = mkdtempSync(join(tmpdir(), 'lmlab-languages-'));
const canary = join(root, 'canary');
mkdirSync(canary);
chmodSync(root, 0o755);
chmodSync(canary, 0o777);
const canaryProcess = spawn('sleep', ['600'], { stdio: 'ignore' });
let listener: Server;
let connections = 0;
const problems: Record<string, Problem> = {};

function folder(
  name: string,
  tests: Record<string, [string, string]>,
  limits: { timeLimitMs: number; memoryLimitMb: number },
): Problem {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const [test, [input, answer]] of Object.entries(tests)) {
    writeFileSync(join(dir, `${test}.in`), `${input}\n`);
    writeFileSync(join(dir, `${test}.ans`), `${answer}\n`);
  }
  return loadProblem(dir, limits);
}

before(async () => {
  listener = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as AddressInfo).port;
  const roomy = { timeLimitMs: 10_000, memoryLimitMb: 256 };
  problems.clean = folder(
    'clean',
    {
      '1': ['sum 2 3', '5'],
      '2': [`write ${canary}`, 'ok'],
      '3': ['read /etc/shadow', 'ok'],
      '4': [`net ${port}`, 'ok'],
      '5': [`kill ${canaryProcess.pid}`, 'ok'],
    },
    roomy,
  );
  problems.crash = folder('crash', { '1': ['crash', 'ok'] }, roomy);
  problems.loop = folder('loop', { '1': ['loop', 'ok'] }, { timeLimitMs: 1000, memoryLimitMb: 256 });
  problems.spawn = folder('spawn', { '1': ['spawn', 'ok'] }, { timeLimitMs: 1000, memoryLimitMb: 256 });
  problems.mem = folder('mem', { '1': ['mem', 'ok'] }, { timeLimitMs: 10_000, memoryLimitMb: 128 });
});

after(async () => {
  canaryProcess.kill('SIGKILL');
  await new Promise<void>((resolve) => listener?.close(() => resolve()) ?? resolve());
  rmSync(root, { recursive: true, force: true });
});

async function verdictOf(lang: Language, problem: string): Promise<string> {
  const source = readFileSync(join(probes, SOURCES[lang.id]));
  const result = await judgeSubmission(problems[problem], lang, source, { allTests: true });
  const detail =
    result.verdict === 'CE'
      ? result.compileMessage.split('\n').slice(0, 4).join(' | ')
      : result.tests.map((t) => `${t.test}:${t.verdict} ${t.message}`).join('; ');
  return `${result.verdict} (${detail})`;
}

for (const lang of LANGUAGES) {
  test(`${lang.id}: A+B, TLE, MLE and RE probes; hostile probes change nothing`, {
    skip,
    timeout: 900_000,
  }, async () => {
    assert.ok(languageAvailable(lang), `${lang.name} is not installed: apt-get install -y ${LANGUAGE_PACKAGES}`);
    assert.ok(SOURCES[lang.id], `no probe source for ${lang.id}`);
    assert.match(await verdictOf(lang, 'clean'), /^AC /);
    assert.match(await verdictOf(lang, 'crash'), /^RE /);
    assert.match(await verdictOf(lang, 'loop'), /^TLE /);
    assert.match(await verdictOf(lang, 'mem'), /^MLE /);
    assert.match(await verdictOf(lang, 'spawn'), /^(TLE|RE|MLE) /);
    assert.deepEqual(readdirSync(canary), [], 'nothing was written outside the box');
    assert.equal(connections, 0, 'no connection reached the host');
    assert.equal(canaryProcess.exitCode, null, 'the host process is alive');
    assert.equal(canaryProcess.signalCode, null);
  });
}
