// Loads and validates a problem package (problem.json, statement.md, tests/, solutions/ and the
// optional checker/interactor/generator/validator sources) with one clear error per problem.
// Deliberately does not compile or run anything: that is the judge's and the selftest's job.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { LmlabError } from '../../util/errors.ts';
import type { BuiltinChecker } from './checkers.ts';
import { languageOfFile } from './languages.ts';
import { EXPECTABLE_VERDICTS, type ExpectableVerdict } from './verdict.ts';

const relativeFile = z.string().min(1).refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a path inside the problem directory');

const checkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tokens') }).strict(),
  z.object({ type: z.literal('lines') }).strict(),
  z.object({ type: z.literal('exact') }).strict(),
  z.object({ type: z.literal('ints') }).strict(),
  z.object({ type: z.literal('yesno') }).strict(),
  z.object({ type: z.literal('float'), eps: z.union([z.literal(1e-4), z.literal(1e-6), z.literal(1e-9)]) }).strict(),
  z.object({ type: z.literal('custom'), source: relativeFile }).strict(),
]);

const problemSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/, 'must match [a-z0-9-]+'),
  title: z.string().min(1),
  timeLimitMs: z.number().int().min(100).max(20_000),
  memoryLimitMb: z.number().int().min(16).max(2048),
  rating: z.number().int().min(800).max(3500),
  tags: z.array(z.string().min(1)),
  checker: checkerSchema,
  interactive: z.boolean(),
  interactor: relativeFile.optional(),
  generator: relativeFile.optional(),
  validator: relativeFile.optional(),
  solutions: z.array(z.object({ file: relativeFile, expected: z.enum(EXPECTABLE_VERDICTS) }).strict()).min(1),
}).strict();

export type CheckerSpec = BuiltinChecker | { type: 'custom'; source: string };

export interface TestCase {
  name: string;
  input: string;
  answer: string;
}

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
  statement: string;
}

const TEST_NAME = /^(\d{2,3})\.in$/;
// Interactive statements describe the dialogue under "## Interaction"; their "## Input" is optional.
const REQUIRED_SECTIONS = { plain: ['## Statement', '## Input', '## Output', '## Examples'], interactive: ['## Statement', '## Interaction', '## Examples'] };

function problemError(dir: string, message: string): LmlabError {
  return new LmlabError(`problem ${basename(dir)}: ${message}`);
}

function listTests(dir: string, interactive: boolean): TestCase[] {
  const testsDir = join(dir, 'tests');
  if (!existsSync(testsDir) || !statSync(testsDir).isDirectory()) throw problemError(dir, 'has no tests/ directory');
  const names = readdirSync(testsDir);
  const tests: TestCase[] = [];
  for (const name of names) {
    if (name.endsWith('.ans') && !names.includes(name.replace(/\.ans$/, '.in'))) throw problemError(dir, `tests/${name} has no matching .in file`);
    const match = TEST_NAME.exec(name);
    if (!match) continue;
    const answer = join(testsDir, `${match[1]}.ans`);
    if (!existsSync(answer)) {
      if (!interactive) throw problemError(dir, `tests/${name} has no matching .ans file`);
    }
    tests.push({ name: match[1], input: join(testsDir, name), answer });
  }
  if (tests.length === 0) throw problemError(dir, 'tests/ holds no NN.in files');
  tests.sort((a, b) => Number(a.name) - Number(b.name));
  for (let i = 1; i < tests.length; i++) {
    if (Number(tests[i].name) === Number(tests[i - 1].name)) throw problemError(dir, `tests ${tests[i - 1].name} and ${tests[i].name} have the same number`);
  }
  return tests;
}

/** Loads one problem directory, throwing a one-line error naming the problem and the fault. */
export function loadProblem(problemDir: string): Problem {
  const dir = resolve(problemDir);
  const metaPath = join(dir, 'problem.json');
  if (!existsSync(metaPath)) throw problemError(dir, 'problem.json is missing');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (e) {
    throw problemError(dir, `problem.json is not valid JSON (${(e as Error).message})`);
  }
  const parsed = problemSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw problemError(dir, `problem.json: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const meta = parsed.data;
  if (meta.id !== basename(dir)) throw problemError(dir, `problem.json id '${meta.id}' differs from the directory name`);
  const mustExist = (rel: string, what: string): string => {
    const path = join(dir, rel);
    if (!existsSync(path)) throw problemError(dir, `${what} ${rel} does not exist`);
    return path;
  };
  if (meta.interactive && !meta.interactor) throw problemError(dir, 'interactive problems need "interactor"');
  if (!meta.interactive && meta.interactor) throw problemError(dir, '"interactor" is given but "interactive" is false');
  const interactor = meta.interactor ? mustExist(meta.interactor, 'interactor') : null;
  if (interactor && !interactor.endsWith('.cpp')) throw problemError(dir, 'the interactor must be a C++ source (.cpp)');
  let checker: CheckerSpec = meta.checker;
  if (meta.checker.type === 'custom') {
    const source = mustExist(meta.checker.source, 'checker');
    if (!source.endsWith('.cpp')) throw problemError(dir, 'a custom checker must be a C++ source (.cpp)');
    checker = { type: 'custom', source };
  }
  const statementPath = mustExist('statement.md', 'statement');
  const statement = readFileSync(statementPath, 'utf8');
  const sections = meta.interactive ? REQUIRED_SECTIONS.interactive : REQUIRED_SECTIONS.plain;
  const missing = sections.find((s) => !new RegExp(`^${s}\\s*$`, 'm').test(statement));
  if (missing) throw problemError(dir, `statement.md has no '${missing}' section`);
  const solutions = meta.solutions.map((s) => {
    const file = mustExist(s.file, 'solution');
    try {
      languageOfFile(file);
    } catch (e) {
      throw problemError(dir, (e as Error).message);
    }
    return { file, expected: s.expected };
  });
  return {
    dir, id: meta.id, title: meta.title, timeLimitMs: meta.timeLimitMs, memoryLimitMb: meta.memoryLimitMb,
    rating: meta.rating, tags: meta.tags, checker, interactive: meta.interactive, interactor,
    generator: meta.generator ? mustExist(meta.generator, 'generator') : null,
    validator: meta.validator ? mustExist(meta.validator, 'validator') : null,
    solutions, tests: listTests(dir, meta.interactive), statement,
  };
}

/** Every problem directory (one holding problem.json) directly under `root`, sorted by name. */
export function listProblemDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((path) => statSync(path).isDirectory() && existsSync(join(path, 'problem.json')))
    .sort();
}
