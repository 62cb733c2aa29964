// A plain folder of tests is a problem too: `tests/` (or the folder itself) holding `NN.in` +
// `NN.ans` or Polygon's `NN` + `NN.a`, with the limits and checker given by the caller
// (`lmlab judge DIR SOL --time-limit MS --memory-limit MB --checker NAME|FILE.cpp`).
// Deliberately nothing else: no statement, no listed solutions (those serve prompting and the selftest).
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { LmlabError } from '../../util/errors.ts';
import type { BuiltinChecker } from './checkers.ts';
import type { CheckerSpec, LoadOptions, Problem } from './problem-types.ts';
import { listTestFiles } from './testfiles.ts';

export const DEFAULT_TIME_LIMIT_MS = 2000;
export const DEFAULT_MEMORY_LIMIT_MB = 256;

export function problemError(dir: string, message: string): LmlabError {
  return new LmlabError(`problem ${basename(dir)}: ${message}`);
}

/** A lower-case id from a directory or archive name ("Problem_A.zip" -> "problem-a"). */
export function problemIdOf(path: string): string {
  return (
    basename(path)
      .replace(/\.zip$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'problem'
  );
}

/**
 * testlib's standard checkers by name, each mapped onto the built-in checker with the same
 * verdicts (checkers.ts implements them in TypeScript with testlib's reading rules).
 */
export const STANDARD_CHECKERS: Record<string, BuiltinChecker> = {
  wcmp: { type: 'tokens' },
  ncmp: { type: 'ints' },
  icmp: { type: 'single-int' },
  lcmp: { type: 'line-tokens' },
  fcmp: { type: 'exact-lines' },
  hcmp: { type: 'huge-int' },
  uncmp: { type: 'unordered-ints' },
  yesno: { type: 'single-yesno' },
  nyesno: { type: 'yesno' },
  rcmp4: { type: 'float', eps: 1e-4 },
  rcmp6: { type: 'float', eps: 1e-6 },
  rcmp9: { type: 'float', eps: 1e-9 },
  dcmp: { type: 'single-float', eps: 1e-6 },
};

/** A checker named on the command line: a standard checker name or a C++ source path. */
export function checkerFromName(name: string | undefined): CheckerSpec {
  if (!name) return { type: 'tokens' };
  const standard = STANDARD_CHECKERS[name.replace(/\.cpp$/, '')];
  if (standard && !existsSync(name)) return standard;
  if (name.endsWith('.cpp') && existsSync(name)) return { type: 'custom', source: resolve(name) };
  throw new LmlabError(
    `--checker must be a C++ source or one of ${Object.keys(STANDARD_CHECKERS).join(', ')} (got '${name}')`,
  );
}

function positive(value: number | undefined, fallback: number, flag: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new LmlabError(`${flag} must be a positive number (got ${value})`);
  return value;
}

export function loadPlainFolder(dir: string, options: LoadOptions): Problem {
  const testsDir =
    existsSync(join(dir, 'tests')) && statSync(join(dir, 'tests')).isDirectory() ? join(dir, 'tests') : dir;
  let tests: ReturnType<typeof listTestFiles>;
  try {
    tests = listTestFiles(testsDir, testsDir === dir ? '.' : 'tests', false);
  } catch (e) {
    throw problemError(
      dir,
      `${(e as Error).message} (a problem is an lmlab package with problem.json, a Polygon package with problem.xml, or a folder of tests)`,
    );
  }
  return {
    dir,
    id: problemIdOf(dir),
    title: basename(dir),
    timeLimitMs: positive(options.timeLimitMs, DEFAULT_TIME_LIMIT_MS, '--time-limit'),
    memoryLimitMb: positive(options.memoryLimitMb, DEFAULT_MEMORY_LIMIT_MB, '--memory-limit'),
    rating: 800,
    tags: [],
    checker: checkerFromName(options.checker),
    interactive: false,
    interactor: null,
    generator: null,
    validator: null,
    solutions: [],
    tests,
    statement: '',
    format: 'plain',
  };
}
