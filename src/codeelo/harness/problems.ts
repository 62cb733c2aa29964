// Problem sources of a run: bundled packages (statement + full tests), a directory of packages
// named by Codeforces problem id (e.g. `1971a/`), the CodeElo dataset JSON (statements and
// examples, no hidden tests) and Codeforces `problemset.problems` JSON (metadata only). Each
// contest problem resolves to a statement for the prompt and to how it can be judged locally:
// on full tests, on the statement's examples only, or not at all (remote judging only).
// It does not judge (judging.ts) nor choose contests (contests.ts).
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadProblem, type Problem } from '../judge/problem.ts';
import { readJsonFile } from '../../io/json.ts';
import type { StatementParts } from './prompt.ts';
import { LmlabError } from '../../util/errors.ts';

export type LocalJudgeMode = 'tests' | 'examples' | 'none';

export interface HarnessProblem {
  contestId: number;
  index: string;
  /** Codeforces-style id: contest id + index ("1971A"); bundled contests use their own ids. */
  key: string;
  title: string;
  rating?: number;
  tags: string[];
  statement: StatementParts | null;
  interactive: boolean;
  localMode: LocalJudgeMode;
  /** A judge package for local judging (full tests, or examples written as tests). */
  local: Problem | null;
  /** Where the statement and tests came from, for the report. */
  source: string;
}

/** Splits a bundled statement.md into the sections the prompt renders. */
export function parseStatementMarkdown(text: string, fallbackTitle: string): StatementParts {
  const title = /^#\s+(.+)$/m.exec(text)?.[1].trim() ?? fallbackTitle;
  const sections = new Map<string, string>();
  const pattern = /^##\s+(.+?)\s*$/gm;
  const heads = [...text.matchAll(pattern)];
  heads.forEach((m, i) => {
    const start = m.index! + m[0].length;
    const end = i + 1 < heads.length ? heads[i + 1].index! : text.length;
    sections.set(m[1].toLowerCase(), text.slice(start, end).trim());
  });
  const blocks = [...(sections.get('examples') ?? '').matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const examples: { input: string; output: string }[] = [];
  for (let i = 0; i + 1 < blocks.length; i += 2) examples.push({ input: blocks[i], output: blocks[i + 1] });
  return {
    title,
    description: sections.get('statement') ?? '',
    ...(sections.has('input') ? { input: sections.get('input')! } : {}),
    ...(sections.has('output') ? { output: sections.get('output')! } : {}),
    ...(sections.has('interaction') ? { interaction: sections.get('interaction')! } : {}),
    ...(sections.has('note') ? { note: sections.get('note')! } : {}),
    examples,
  };
}

export function problemFromPackage(
  dir: string,
  slot: { contestId: number; index: string; key: string; rating?: number; tags?: string[] },
): HarnessProblem {
  // Packages may be symlinked under a Codeforces id; the loader checks the real directory name.
  const local = loadProblem(realpathSync(dir));
  const statement = parseStatementMarkdown(local.statement, local.title);
  return {
    ...slot,
    title: local.title,
    rating: slot.rating ?? local.rating,
    tags: slot.tags?.length ? slot.tags : local.tags,
    statement: { ...statement, timeLimitMs: local.timeLimitMs, memoryLimitMb: local.memoryLimitMb },
    interactive: local.interactive,
    localMode: 'tests',
    local,
    source: `${local.format === 'polygon' ? 'Polygon package' : 'package'} ${local.id} (full tests)`,
  };
}

const exampleSchema = z.union([
  z.tuple([z.string(), z.string()]).transform(([input, output]) => ({ input, output })),
  z.object({ input: z.string(), output: z.string() }).transform(({ input, output }) => ({ input, output })),
]);
const datasetProblemSchema = z.object({
  problem_id: z.string().regex(/^\d+[A-Z]\d?$/, 'must look like 1971A'),
  title: z.string(),
  rating: z.number().int().nullish(),
  tags: z.array(z.string()).default([]),
  division: z.string().nullish(),
  div: z.string().nullish(),
  time_limit_ms: z.number().nullish(),
  time_limit: z.number().nullish(),
  memory_limit_mb: z.number().nullish(),
  memory_limit: z.number().nullish(),
  description: z.string().nullish(),
  input: z.string().nullish(),
  output: z.string().nullish(),
  interaction: z.string().nullish(),
  note: z.string().nullish(),
  examples: z.array(exampleSchema).nullish(),
  interactive: z.boolean().nullish(),
});
export type DatasetProblem = z.infer<typeof datasetProblemSchema>;

/** CodeElo dataset JSON: an array of problems, or JSON lines; keyed by problem_id. */
export function loadDataset(path: string): Map<string, DatasetProblem> {
  const data = readJsonFile(path);
  const list = Array.isArray(data) ? data : (data as { problems?: unknown }).problems;
  if (!Array.isArray(list)) throw new LmlabError(`${path}: expected a JSON array of CodeElo problems`);
  const out = new Map<string, DatasetProblem>();
  list.forEach((item, i) => {
    const parsed = datasetProblemSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LmlabError(`${path}: problem #${i + 1}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    out.set(parsed.data.problem_id, parsed.data);
  });
  return out;
}

const problemsetSchema = z.object({
  problems: z.array(
    z.object({
      contestId: z.number().int(),
      index: z.string(),
      name: z.string(),
      rating: z.number().int().optional(),
      tags: z.array(z.string()).default([]),
    }),
  ),
});
export interface ProblemMeta {
  title: string;
  rating?: number;
  tags: string[];
}

/** problemset.problems JSON (API envelope or bare result): metadata by "1971A". */
export function loadProblemset(path: string): Map<string, ProblemMeta> {
  const raw = readJsonFile(path) as { status?: string; result?: unknown };
  const parsed = problemsetSchema.safeParse(raw?.status ? raw.result : raw);
  if (!parsed.success) throw new LmlabError(`${path}: not a problemset.problems result`);
  return new Map(
    parsed.data.problems.map((p) => [`${p.contestId}${p.index}`, { title: p.name, rating: p.rating, tags: p.tags }]),
  );
}

/** A judge package whose tests are the statement's examples (written under `dir`). */
function examplesPackage(dir: string, item: DatasetProblem): Problem | null {
  const examples = item.examples ?? [];
  if (examples.length === 0 || item.interactive || item.interaction) return null;
  const testsDir = join(dir, 'tests');
  mkdirSync(testsDir, { recursive: true });
  const tests = examples.map((e, i) => {
    const name = String(i + 1).padStart(2, '0');
    writeFileSync(join(testsDir, `${name}.in`), e.input.endsWith('\n') ? e.input : e.input + '\n');
    writeFileSync(join(testsDir, `${name}.ans`), e.output.endsWith('\n') ? e.output : e.output + '\n');
    return { name, input: join(testsDir, `${name}.in`), answer: join(testsDir, `${name}.ans`) };
  });
  return {
    dir,
    id: item.problem_id.toLowerCase(),
    title: item.title,
    timeLimitMs: item.time_limit_ms ?? item.time_limit ?? 2000,
    memoryLimitMb: item.memory_limit_mb ?? item.memory_limit ?? 256,
    rating: item.rating ?? 800,
    tags: item.tags,
    checker: { type: 'tokens' },
    interactive: false,
    interactor: null,
    generator: null,
    validator: null,
    solutions: [],
    tests,
    statement: '',
  };
}

export interface ProblemSources {
  packagesDir?: string;
  dataset?: Map<string, DatasetProblem>;
  problemset?: Map<string, ProblemMeta>;
  /** Where example tests are written (inside the run's work directory). */
  scratchDir: string;
}

/** Resolves one problem slot of a real contest through the sources, best first. */
export function resolveProblem(
  slot: { contestId: number; index: string; name?: string; rating?: number; tags: string[] },
  sources: ProblemSources,
): HarnessProblem {
  const key = `${slot.contestId}${slot.index}`;
  const base = {
    contestId: slot.contestId,
    index: slot.index,
    key,
    ...(slot.rating !== undefined ? { rating: slot.rating } : {}),
    tags: slot.tags,
  };
  if (sources.packagesDir) {
    const dir = join(sources.packagesDir, key.toLowerCase());
    if (existsSync(join(dir, 'problem.json')) || existsSync(join(dir, 'problem.xml')))
      return problemFromPackage(dir, base);
  }
  const item = sources.dataset?.get(key);
  const meta = sources.problemset?.get(key);
  if (item) {
    const local = examplesPackage(join(sources.scratchDir, key.toLowerCase()), item);
    const interactive = Boolean(item.interactive || item.interaction);
    return {
      ...base,
      title: item.title,
      rating: slot.rating ?? item.rating ?? meta?.rating,
      tags: slot.tags.length ? slot.tags : item.tags,
      statement: {
        title: item.title,
        description: item.description ?? '',
        ...(item.input ? { input: item.input } : {}),
        ...(item.output ? { output: item.output } : {}),
        ...(item.interaction ? { interaction: item.interaction } : {}),
        ...(item.note ? { note: item.note } : {}),
        examples: item.examples ?? [],
        ...((item.time_limit_ms ?? item.time_limit) ? { timeLimitMs: (item.time_limit_ms ?? item.time_limit)! } : {}),
        ...((item.memory_limit_mb ?? item.memory_limit)
          ? { memoryLimitMb: (item.memory_limit_mb ?? item.memory_limit)! }
          : {}),
      },
      interactive,
      localMode: local ? 'examples' : 'none',
      local,
      source: 'CodeElo dataset (statement and examples only)',
    };
  }
  const title = meta?.title ?? slot.name ?? key;
  return {
    ...base,
    title,
    rating: slot.rating ?? meta?.rating,
    tags: slot.tags.length ? slot.tags : (meta?.tags ?? []),
    statement: null,
    interactive: false,
    localMode: 'none',
    local: null,
    source: meta ? 'problemset.problems (metadata only)' : 'contest pack only',
  };
}
