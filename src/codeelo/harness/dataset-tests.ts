// Imports problems with their official tests from the Parquet or JSON-lines layout of the public
// Codeforces test datasets into lmlab problem packages (one folder per problem id, the layout
// `codeelo run --packages` reads), so a local rating rests on full tests, not examples only.
//
// One row per problem; the columns read (others are ignored):
//   id (e.g. "1971A")  or  contest_id + index      problem id
//   title | name                                   title
//   time_limit (seconds) | time_limit_ms           CPU time limit (default 2 s)
//   memory_limit (MB) | memory_limit_mb            memory limit (default 256 MB)
//   description, input_format, output_format, interaction_format, note   statement sections
//   examples            [{input, output}]          statement examples (also tests when nothing else)
//   official_tests      [{input, output}]          the official tests
//   generated_tests     [{input, output}]          extra generated tests (optional)
//   generated_checker | checker                    testlib checker source (C++), optional
//   rating, tags                                   metadata (optional)
// List columns may hold arrays of objects or JSON text. Interactive problems (an
// interaction_format) are skipped: their datasets carry no interactor.
// Deliberately not here: contest standings (contest packs come from `codeelo fetch`/`pack`).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../../util/errors.ts';

export interface ImportedProblem {
  id: string;
  dir: string;
  tests: number;
  checker: 'custom' | 'tokens';
}

export interface ImportSummary {
  imported: ImportedProblem[];
  skipped: { id: string; reason: string }[];
}

type Row = Record<string, unknown>;
interface Pair {
  input: string;
  output: string;
}

async function readRows(path: string): Promise<Row[]> {
  if (/\.parquet$/i.test(path)) {
    const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
    let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
    try {
      file = await asyncBufferFromFile(path);
    } catch {
      throw new LmlabError(`cannot read ${path}`);
    }
    try {
      return (await parquetReadObjects({ file })) as Row[];
    } catch (e) {
      throw new LmlabError(`${path}: not a readable Parquet file (${(e as Error).message})`);
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new LmlabError(`cannot read ${path}`);
  }
  return text
    .split('\n')
    .map((line, i) => [line.trim(), i] as const)
    .filter(([line]) => line)
    .map(([line, i]) => {
      try {
        return JSON.parse(line) as Row;
      } catch (e) {
        throw new LmlabError(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
      }
    });
}

function text(row: Row, ...names: string[]): string | null {
  for (const n of names) if (typeof row[n] === 'string' && row[n] !== '') return row[n] as string;
  return null;
}

function num(row: Row, ...names: string[]): number | null {
  for (const n of names) {
    const v = row[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'bigint') return Number(v);
  }
  return null;
}

function pairs(row: Row, name: string, where: string): Pair[] {
  let v = row[name];
  if (v === null || v === undefined) return [];
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      throw new LmlabError(`${where}: column ${name} is neither a list nor JSON text`);
    }
  }
  if (!Array.isArray(v)) throw new LmlabError(`${where}: column ${name} is not a list of {input, output}`);
  return v.map((p, i) => {
    const o = p as Partial<Pair>;
    if (typeof o?.input !== 'string' || typeof o?.output !== 'string')
      throw new LmlabError(`${where}: ${name}[${i}] has no string input/output`);
    return { input: o.input, output: o.output };
  });
}

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}

function statement(row: Row, title: string, examples: Pair[]): string {
  const parts = [`# ${title}`, '', '## Statement', text(row, 'description', 'legend') ?? ''];
  parts.push('', '## Input', text(row, 'input_format', 'input') ?? '');
  parts.push('', '## Output', text(row, 'output_format', 'output') ?? '');
  parts.push('', '## Examples');
  for (const e of examples) parts.push('', '```', e.input.trimEnd(), '```', '', '```', e.output.trimEnd(), '```');
  const note = text(row, 'note');
  if (note) parts.push('', '## Note', note);
  return `${parts.join('\n')}\n`;
}

/** Reads a dataset file and writes one package per problem under `outDir`. */
export async function importTestDataset(path: string, outDir: string, only?: Set<number>): Promise<ImportSummary> {
  const rows = await readRows(path);
  const summary: ImportSummary = { imported: [], skipped: [] };
  mkdirSync(outDir, { recursive: true });
  rows.forEach((row, i) => {
    const contestId = num(row, 'contest_id', 'contestId');
    const index = text(row, 'index');
    const id = (
      text(row, 'id', 'problem_id') ?? (contestId !== null && index ? `${contestId}${index}` : null)
    )?.replace('/', '');
    const where = `${path} row ${i + 1}`;
    if (!id || !/^\d+[A-Za-z]\d?$/.test(id))
      throw new LmlabError(`${where}: no problem id (id, or contest_id + index)`);
    const contest = Number(/^\d+/.exec(id)![0]);
    if (only && !only.has(contest)) return;
    if (text(row, 'interaction_format')) {
      summary.skipped.push({ id, reason: 'interactive (the dataset has no interactor)' });
      return;
    }
    const examples = pairs(row, 'examples', where);
    const tests = [...pairs(row, 'official_tests', where), ...pairs(row, 'generated_tests', where)];
    if (tests.length === 0) {
      summary.skipped.push({ id, reason: 'no official or generated tests' });
      return;
    }
    const title = text(row, 'title', 'name') ?? id;
    const seconds = num(row, 'time_limit');
    const timeLimitMs = Math.round(num(row, 'time_limit_ms') ?? (seconds !== null ? seconds * 1000 : 2000));
    const memoryLimitMb = Math.round(num(row, 'memory_limit_mb', 'memory_limit') ?? 256);
    const checkerSource = text(row, 'generated_checker', 'checker');
    const rating = num(row, 'rating');
    const tags = Array.isArray(row.tags)
      ? (row.tags as unknown[]).filter((t): t is string => typeof t === 'string')
      : [];
    const dirName = id.toLowerCase();
    const dir = join(outDir, dirName);
    const partial = join(outDir, `.${dirName}.${process.pid}.tmp`);
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(join(partial, 'tests'), { recursive: true });
    const width = Math.max(2, String(tests.length).length);
    tests.forEach((t, k) => {
      const name = String(k + 1).padStart(width, '0');
      writeFileSync(join(partial, 'tests', `${name}.in`), withNewline(t.input));
      writeFileSync(join(partial, 'tests', `${name}.ans`), withNewline(t.output));
    });
    if (checkerSource) writeFileSync(join(partial, 'checker.cpp'), checkerSource);
    writeFileSync(join(partial, 'statement.md'), statement(row, title, examples));
    writeFileSync(
      join(partial, 'problem.json'),
      `${JSON.stringify(
        {
          id: dirName,
          title,
          timeLimitMs: Math.min(20_000, Math.max(100, timeLimitMs)),
          memoryLimitMb: Math.min(2048, Math.max(16, memoryLimitMb)),
          ...(rating !== null && rating >= 800 && rating <= 3500 ? { rating } : {}),
          tags,
          checker: checkerSource ? { type: 'custom', source: 'checker.cpp' } : { type: 'tokens' },
        },
        null,
        2,
      )}\n`,
    );
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
    summary.imported.push({ id, dir, tests: tests.length, checker: checkerSource ? 'custom' : 'tokens' });
  });
  return summary;
}
