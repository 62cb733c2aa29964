// Overhead of the judge: a trivial accepted C++ solution on 100 small tests, judged through the
// sandbox, side by side with running the same compiled binary directly (no sandbox) on the same
// inputs. Prints the per-test overhead (judge time minus direct time, per test) and the ratio.
// Deliberately measures the whole per-test path (limiter, launcher spawn, namespaces, cgroups,
// checker), not the one-time compilation, which is cached and reported separately.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { compileSource } from '../src/codeelo/judge/compile.ts';
import { judgeSubmission } from '../src/codeelo/judge/judge.ts';
import { languageById } from '../src/codeelo/judge/languages.ts';
import { loadProblem } from '../src/codeelo/judge/problem.ts';
import { runSandboxed } from '../src/codeelo/judge/sandbox.ts';
import { Rng } from '../src/util/rng.ts';

const TESTS = 100;
const SOLUTION = `#include <cstdio>
int main() { long long a, b; if (std::scanf("%lld %lld", &a, &b) != 2) return 1; std::printf("%lld\\n", a + b); }
`;

function writeProblem(root: string): string {
  const dir = join(root, 'bench-sum');
  mkdirSync(join(dir, 'tests'), { recursive: true });
  writeFileSync(
    join(dir, 'problem.json'),
    JSON.stringify({
      id: 'bench-sum',
      title: 'Bench Sum',
      timeLimitMs: 1000,
      memoryLimitMb: 256,
      rating: 800,
      tags: ['math'],
      checker: { type: 'ints' },
      interactive: false,
      solutions: [{ file: 'solutions/sum.cpp', expected: 'AC' }],
    }),
  );
  writeFileSync(join(dir, 'statement.md'), '## Statement\nAdd.\n## Input\na b\n## Output\na+b\n## Examples\n');
  mkdirSync(join(dir, 'solutions'));
  writeFileSync(join(dir, 'solutions', 'sum.cpp'), SOLUTION);
  const rng = new Rng(7);
  for (let i = 1; i <= TESTS; i++) {
    const a = Math.floor(rng.next() * 1e9);
    const b = Math.floor(rng.next() * 1e9);
    const name = String(i).padStart(3, '0');
    writeFileSync(join(dir, 'tests', `${name}.in`), `${a} ${b}\n`);
    writeFileSync(join(dir, 'tests', `${name}.ans`), `${a + b}\n`);
  }
  return dir;
}

function runDirect(binary: string, input: string, output: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const inFd = openSync(input, 'r');
    const outFd = openSync(output, 'w');
    const child = spawn(binary, [], { stdio: [inFd, outFd, 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => {
      closeSync(inFd);
      closeSync(outFd);
      if (code === 0) resolve();
      else reject(new Error(`direct run exited with ${code}`));
    });
  });
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-bench-judge-'));
  try {
    const problem = loadProblem(writeProblem(root));
    const lang = languageById('cpp');
    const source = Buffer.from(SOLUTION);
    const t0 = performance.now();
    const warm = await judgeSubmission(problem, lang, source); // compiles (or hits the cache)
    const compileAndFirstMs = performance.now() - t0;
    if (warm.verdict !== 'AC') throw new Error(`the benchmark solution got ${warm.verdict}`);

    const rounds = 3;
    let judgeMs = Infinity;
    let directMs = Infinity;
    let programWallMs = 0;
    let programCpuMs = 0;
    const binary = join((await compileSource(lang, source)).dir, 'main'); // cache hit: the judged binary
    for (let round = 0; round < rounds; round++) {
      // Alternate the two so that background load hits both alike; keep the best of each.
      const start = performance.now();
      const result = await judgeSubmission(problem, lang, source);
      const elapsed = performance.now() - start;
      if (result.verdict !== 'AC' || result.tests.length !== TESTS)
        throw new Error(`unexpected verdict ${result.verdict}`);
      if (elapsed < judgeMs) {
        judgeMs = elapsed;
        programWallMs = result.tests.reduce((sum, t) => sum + t.wallMs, 0) / TESTS;
        programCpuMs = result.tests.reduce((sum, t) => sum + t.timeMs, 0) / TESTS;
      }
      const directStart = performance.now();
      for (const test of problem.tests) await runDirect(binary, test.input, join(root, 'direct.out'));
      directMs = Math.min(directMs, performance.now() - directStart);
    }
    // The interactive path starts one launcher per run (no session): measured for the record.
    const singleRuns = 20;
    const singleStart = performance.now();
    for (let i = 0; i < singleRuns; i++) {
      const test = problem.tests[i];
      await runSandboxed({
        box: dirname(binary),
        argv: ['/box/main'],
        stdin: test.input,
        stdout: join(root, 'single.out'),
        limits: { cpuMs: 1000, wallMs: 5000, memoryKb: 256 * 1024 },
      });
    }
    const perSingleRun = (performance.now() - singleStart) / singleRuns;
    const perTestJudge = judgeMs / TESTS;
    const perTestDirect = directMs / TESTS;
    console.log(
      `judge bench: ${TESTS} tests, trivial C++ solution, best of ${rounds} rounds (first judging incl. compile: ${compileAndFirstMs.toFixed(0)} ms)`,
    );
    console.log(`  judged (sandbox, checker, bookkeeping) : ${perTestJudge.toFixed(2)} ms per test`);
    console.log(
      `  program's own run (sandbox report)     : ${programWallMs.toFixed(2)} ms wall, ${programCpuMs.toFixed(2)} ms CPU per test`,
    );
    console.log(
      `  per-test overhead beyond the program   : ${(perTestJudge - programCpuMs).toFixed(2)} ms beyond its CPU time, ${(perTestJudge - programWallMs).toFixed(2)} ms beyond its sandboxed wall time (target: well under 20 ms)`,
    );
    console.log(`  same binary run directly (Node spawn)  : ${perTestDirect.toFixed(2)} ms per test`);
    console.log(`  ratio judged / direct                  : ${(perTestJudge / perTestDirect).toFixed(2)}x`);
    console.log(
      `  one launcher per run (interactive path): ${perSingleRun.toFixed(2)} ms per run (${singleRuns} runs)`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
