// Loads and validates a problem: lmlab's own package (problem.json, tests/, and optionally
// statement.md, solutions/, checker/interactor/generator/validator sources), a Polygon package
// (polygon.ts) or a plain folder of tests (plain.ts), with one clear error per problem. Only the
// tests and limits are needed to judge; statement and solutions serve prompting and the selftest.
// Deliberately does not compile or run anything: that is the judge's and the selftest's job.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { LmlabError } from '../../util/errors.ts';
import type { BuiltinChecker } from './checkers.ts';
import { languageOfFile } from './languages.ts';
import { loadPlainFolder, problemError, problemIdOf } from './plain.ts';
import { loadPolygonPackage } from './polygon.ts';
import { listTestFiles, type TestCase } from './testfiles.ts';
import { EXPECTABLE_VERDICTS, type ExpectableVerdict } from './verdict.ts';

const relativeFile = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a path inside the problem directory');

const checkerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('tokens') }).strict(),
  z.object({ type: z.literal('lines') }).strict(),
  z.object({ type: z.literal('exact') }).strict(),
  z.object({ type: z.literal('ints') }).strict(),
  z.object({ type: z.literal('yesno') }).strict(),
  z.object({ type: z.literal('float'), eps: z.union([z.literal(1e-4), z.literal(1e-6), z.literal(1e-9)]) }).strict(),
  z.object({ type: z.literal('custom'), source: relativeFile }).strict(),
]);

const problemSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must match [a-z0-9-]+')
      .optional(),
    title: z.string().min(1).optional(),
    timeLimitMs: z.number().int().min(100).max(20_000),
    memoryLimitMb: z.number().int().min(16).max(2048),
    rating: z.number().int().min(800).max(3500).optional(),
    tags: z.array(z.string().min(1)).default([]),
    checker: checkerSchema.default({ type: 'tokens' }),
    interactive: z.boolean().default(false),
    interactor: relativeFile.optional(),
    generator: relativeFile.optional(),
    validator: relativeFile.optional(),
    solutions: z.array(z.object({ file: relativeFile, expected: z.enum(EXPECTABLE_VERDICTS) }).strict()).default([]),
  })
  .strict();

export type { CheckerSpec, LoadOptions, Problem, TestCase } from './problem-types.ts';
import type { CheckerSpec, LoadOptions, Problem } from './problem-types.ts';

// Interactive statements describe the dialogue under "## Interaction"; their "## Input" is optional.
const REQUIRED_SECTIONS = {
  plain: ['## Statement', '## Input', '## Output', '## Examples'],
  interactive: ['## Statement', '## Interaction', '## Examples'],
};

function listTests(dir: string, interactive: boolean): TestCase[] {
  try {
    return listTestFiles(join(dir, 'tests'), 'tests', interactive);
  } catch (e) {
    throw problemError(dir, (e as Error).message);
  }
}

/**
 * Loads a problem from a path: a Polygon package (problem.xml, directory or .zip), an lmlab
 * package (problem.json) or a plain folder of tests. Throws a one-line error naming the fault.
 */
export function loadProblem(path: string, options: LoadOptions = {}): Problem {
  const dir = resolve(path);
  if (!existsSync(dir)) throw problemError(dir, 'does not exist');
  if (statSync(dir).isFile()) {
    if (!dir.toLowerCase().endsWith('.zip'))
      throw problemError(dir, 'is a file, not a problem directory or a Polygon .zip');
    return loadPolygonPackage(dir);
  }
  if (existsSync(join(dir, 'problem.xml'))) return loadPolygonPackage(dir);
  if (existsSync(join(dir, 'problem.json'))) return loadLmlabPackage(dir);
  return loadPlainFolder(dir, options);
}

/** Loads an lmlab package directory (problem.json). */
export function loadLmlabPackage(dir: string): Problem {
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
  if (meta.id !== undefined && meta.id !== basename(dir))
    throw problemError(dir, `problem.json id '${meta.id}' differs from the directory name`);
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
  const statementPath = join(dir, 'statement.md');
  const statement = existsSync(statementPath) ? readFileSync(statementPath, 'utf8') : '';
  const sections = meta.interactive ? REQUIRED_SECTIONS.interactive : REQUIRED_SECTIONS.plain;
  const missing = statement === '' ? undefined : sections.find((s) => !new RegExp(`^${s}\\s*$`, 'm').test(statement));
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
    dir,
    id: meta.id ?? problemIdOf(dir),
    title: meta.title ?? basename(dir),
    timeLimitMs: meta.timeLimitMs,
    memoryLimitMb: meta.memoryLimitMb,
    rating: meta.rating ?? 800,
    tags: meta.tags,
    format: 'lmlab',
    checker,
    interactive: meta.interactive,
    interactor,
    generator: meta.generator ? mustExist(meta.generator, 'generator') : null,
    validator: meta.validator ? mustExist(meta.validator, 'validator') : null,
    solutions,
    tests: listTests(dir, meta.interactive),
    statement,
  };
}

/** Every problem directory (one holding problem.json or problem.xml) directly under `root`, sorted by name. */
export function listProblemDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter(
      (path) =>
        statSync(path).isDirectory() &&
        (existsSync(join(path, 'problem.json')) || existsSync(join(path, 'problem.xml'))),
    )
    .sort();
}
