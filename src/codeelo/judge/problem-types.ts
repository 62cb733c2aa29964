// The shape of a loaded problem, shared by the three loaders (problem.ts, polygon.ts, plain.ts):
// limits, checker, interactor, tests and where they came from. Types only.
import type { BuiltinChecker } from './checkers.ts';
import type { TestCase } from './testfiles.ts';
import type { ExpectableVerdict } from './verdict.ts';

export type { TestCase };

/** A custom checker: C++ source, compiled with testlib.h (the problem's, the user's or lmlab's) beside it. */
export type CheckerSpec = BuiltinChecker | { type: 'custom'; source: string };

export interface Problem {
  dir: string;
  id: string;
  title: string;
  timeLimitMs: number;
  memoryLimitMb: number;
  rating: number;
  tags: string[];
  checker: CheckerSpec;
  interactive: boolean;
  /** absolute paths */
  interactor: string | null;
  generator: string | null;
  validator: string | null;
  solutions: { file: string; expected: ExpectableVerdict }[];
  tests: TestCase[];
  /** statement.md text, empty when the problem has none (judging does not need it) */
  statement: string;
  /** file names the solution reads and writes instead of stdin/stdout (Polygon), null for stdio */
  inputFile?: string | null;
  outputFile?: string | null;
  /** testlib.h the problem ships for its checker/interactor (null: --testlib, LMLAB_TESTLIB or lmlab's own) */
  testlib?: string | null;
  /** the reference solution that writes missing answers of generated tests (Polygon's "main") */
  mainSolution?: string | null;
  /** where the problem came from: lmlab package, Polygon package or a plain test folder */
  format?: 'lmlab' | 'polygon' | 'plain';
}

export interface LoadOptions {
  /** limits for a plain test folder (a package states its own) */
  timeLimitMs?: number;
  memoryLimitMb?: number;
  /** checker for a plain test folder: a built-in name (wcmp, ncmp, rcmp6, ...) or a C++ source */
  checker?: string;
}
