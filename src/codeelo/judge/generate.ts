// Makes the tests a Polygon package describes but does not hold: runs its generators (with the
// arguments of each test's `cmd`) in the sandbox to write the input, and its main solution to
// write the answer. Results land in the judge cache beside the package's hash, so each test is
// made once. Deliberately no validation here (the selftest runs the validator).
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { LmlabError } from '../../util/errors.ts';
import { compileSource, type Artifact } from './compile.ts';
import { compileHelper } from './external.ts';
import { languageOfFile, runArgv } from './languages.ts';
import { judgeSlots } from './limiter.ts';
import type { Problem } from './problem.ts';
import { runSandboxed } from './sandbox.ts';

const MAKER_LIMITS = { cpuMs: 30_000, wallMs: 300_000, memoryKb: 1024 * 1024, procs: 64, outputKb: 256 * 1024 };

async function runInto(artifact: Artifact, argv: string[], stdin: string, target: string, what: string): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const partial = `${target}.${process.pid}.tmp`;
  const stderr = `${partial}.err`;
  try {
    const report = await judgeSlots.with(1, () =>
      runSandboxed({ box: artifact.dir, argv, stdin, stdout: partial, stderr, limits: MAKER_LIMITS }),
    );
    if (report.internal_error || report.limit !== 'none' || report.exit_code !== 0) {
      const why =
        report.internal_error ??
        (report.limit !== 'none'
          ? `${report.limit} limit`
          : report.signal !== null
            ? `signal ${report.signal}`
            : `exit code ${report.exit_code}`);
      let message = '';
      try {
        message = readFileSync(stderr, 'utf8').trim().split('\n').pop() ?? '';
      } catch {
        // no stderr written
      }
      throw new LmlabError(`${what} failed (${why})${message ? `: ${message.slice(0, 200)}` : ''}`);
    }
    renameSync(partial, target);
  } finally {
    rmSync(partial, { force: true });
    rmSync(stderr, { force: true });
  }
}

/** Writes every missing generated input and answer of `problem`. */
export async function materializeTests(problem: Problem, testlib: string): Promise<void> {
  const generators = new Map<string, Artifact>();
  let main: { artifact: Artifact; run: string[] } | null = null;
  for (const test of problem.tests) {
    if (test.generator && !existsSync(test.input)) {
      const { source, args } = test.generator;
      let artifact = generators.get(source);
      if (!artifact) {
        artifact = await compileHelper(source, 'generator', testlib);
        generators.set(source, artifact);
      }
      await runInto(
        artifact,
        ['/box/main', ...args],
        '/dev/null',
        test.input,
        `problem ${problem.id}: generating test ${test.name} (${[source.split('/').pop(), ...args].join(' ')})`,
      );
    }
    if (test.answerFromMain && !existsSync(test.answer)) {
      if (!main) {
        const file = problem.mainSolution;
        if (!file)
          throw new LmlabError(`problem ${problem.id}: no main solution to write the answer of test ${test.name}`);
        const lang = languageOfFile(file);
        const artifact = await compileSource(lang, readFileSync(file));
        if (!artifact.ok)
          throw new LmlabError(
            `problem ${problem.id}: the main solution does not compile: ${artifact.message.split('\n')[0]}`,
          );
        main = { artifact, run: runArgv(lang, 1024) };
      }
      await runInto(
        main.artifact,
        main.run,
        test.input,
        test.answer,
        `problem ${problem.id}: the main solution on test ${test.name}`,
      );
    }
  }
}
