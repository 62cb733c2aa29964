// Finds the tests of a folder in the layouts problem setters use: `NN.in` + `NN.ans` (lmlab),
// `name.in` + `name.ans`/`name.out` (plain folders), and Polygon's numbered files `NN` + `NN.a`.
// Tests sort by number when every name is a number, else by name. Deliberately does not read
// the files: a test is two paths, the judge opens them when it runs.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../../util/errors.ts';

export interface TestCase {
  name: string;
  input: string;
  /** the jury's answer (for interactive problems it may not exist: the interactor decides) */
  answer: string;
  /** Polygon test group and points, when the package says */
  group?: string;
  points?: number;
  /** a Polygon test made by running a generator (source path, arguments) when `input` is missing */
  generator?: { source: string; args: string[] };
  /** the answer is made by running the problem's main solution when `answer` is missing */
  answerFromMain?: boolean;
}

const ANSWER_SUFFIXES = ['.ans', '.out', '.a'];

/** Tests of one folder; `where` names it in errors ("problem x: tests/"). Throws on a broken layout. */
export function listTestFiles(dir: string, where: string, interactive: boolean): TestCase[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new LmlabError(`${where} is not a directory`);
  const names = readdirSync(dir).filter((n) => !n.startsWith('.'));
  const present = new Set(names);
  const tests: TestCase[] = [];
  const used = new Set<string>();
  for (const name of names) {
    let stem: string | null = null;
    if (name.endsWith('.in')) stem = name.slice(0, -3);
    else if (/^\d+$/.test(name) && statSync(join(dir, name)).isFile()) stem = name; // Polygon: 01, 01.a
    if (stem === null || stem === '') continue;
    const suffixes = name === stem ? ['.a'] : ['.ans', '.out'];
    const answerName = suffixes.map((s) => stem + s).find((a) => present.has(a));
    if (!answerName && !interactive)
      throw new LmlabError(`${where}/${name} has no matching ${suffixes.map((s) => stem + s).join(' or ')} file`);
    if (answerName) used.add(answerName);
    tests.push({ name: stem, input: join(dir, name), answer: join(dir, answerName ?? `${stem}${suffixes[0]}`) });
  }
  for (const name of names) {
    const suffix = ANSWER_SUFFIXES.find((s) => name.endsWith(s));
    if (suffix && !used.has(name) && (suffix !== '.out' || present.has(name.slice(0, -4) + '.in'))) {
      throw new LmlabError(`${where}/${name} has no matching input file`);
    }
  }
  if (tests.length === 0) throw new LmlabError(`${where} holds no tests (NN.in + NN.ans, or Polygon's NN + NN.a)`);
  const numeric = tests.every((t) => /^\d+$/.test(t.name));
  tests.sort((a, b) => (numeric ? Number(a.name) - Number(b.name) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < tests.length; i++) {
    if (numeric && Number(tests[i].name) === Number(tests[i - 1].name)) {
      throw new LmlabError(`${where}: tests ${tests[i - 1].name} and ${tests[i].name} have the same number`);
    }
  }
  return tests;
}
