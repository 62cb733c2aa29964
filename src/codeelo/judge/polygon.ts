// Polygon packages (a directory or its .zip): problem.xml's limits, input/output files, tests
// with groups and points (files from the package, or made by its generators from each test's
// `cmd`), the checker (testlib's standard ones by name mapped onto the built-ins, custom ones
// compiled with the package's files/testlib.h), interactor, validator, solutions by tag, and
// the statement from statements/<language>/problem-properties.json. Deliberately does not run
// anything: generated tests are made by generate.ts when a judging first needs them.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { cacheRoot } from './compile.ts';
import { languageOfFile } from './languages.ts';
import { problemError, problemIdOf, STANDARD_CHECKERS } from './plain.ts';
import type { CheckerSpec, Problem } from './problem-types.ts';
import type { TestCase } from './testfiles.ts';
import type { ExpectableVerdict } from './verdict.ts';
import { child, children, parseXml, type XmlElement } from './xml.ts';
import { extractZip } from './zip.ts';

/** Polygon solution tags with a verdict every test run must end in. */
const TAG_VERDICTS: Record<string, ExpectableVerdict> = {
  main: 'AC',
  accepted: 'AC',
  'wrong-answer': 'WA',
  'presentation-error': 'PE',
  'time-limit-exceeded': 'TLE',
  'memory-limit-exceeded': 'MLE',
  failed: 'RE',
};

function hashOf(...parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 20);
}

/** A zip is extracted once into the judge cache (by content hash) and loaded from there. */
function unpack(zipPath: string): string {
  const dir = join(cacheRoot(), `polygon-${hashOf(readFileSync(zipPath))}`);
  if (existsSync(join(dir, 'problem.xml'))) return dir;
  mkdirSync(cacheRoot(), { recursive: true, mode: 0o755 });
  const partial = `${dir}.${process.pid}.tmp`;
  rmSync(partial, { recursive: true, force: true });
  extractZip(zipPath, partial);
  // Archives made by zipping the package folder hold one top directory.
  let root = partial;
  const top = readdirSync(partial);
  if (!existsSync(join(partial, 'problem.xml')) && top.length === 1 && existsSync(join(partial, top[0], 'problem.xml')))
    root = join(partial, top[0]);
  if (!existsSync(join(root, 'problem.xml'))) {
    rmSync(partial, { recursive: true, force: true });
    throw problemError(zipPath, 'the archive holds no problem.xml');
  }
  try {
    renameSync(root, dir);
  } catch (e) {
    if (!existsSync(join(dir, 'problem.xml'))) throw e; // a concurrent load won the race
  }
  rmSync(partial, { recursive: true, force: true });
  return dir;
}

/** printf-style %d / %02d in Polygon's path patterns. */
function formatPattern(pattern: string, n: number): string {
  return pattern.replace(/%(0?)(\d*)d/, (_, zero: string, width: string) =>
    String(n).padStart(Number(width || 0), zero ? '0' : ' '),
  );
}

/** Splits a generator command line: words, with "double" or 'single' quotes. */
export function splitCommand(cmd: string): string[] {
  return [...cmd.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function sourcePath(dir: string, element: XmlElement | undefined): string | null {
  const path = child(element, 'source')?.attrs.path;
  return path ? join(dir, path) : null;
}

function statementOf(dir: string, title: string): string {
  const statements = join(dir, 'statements');
  if (!existsSync(statements)) return '';
  const languages = readdirSync(statements);
  const language = languages.includes('english')
    ? 'english'
    : languages.find((l) => existsSync(join(statements, l, 'problem-properties.json')));
  const propsPath = language ? join(statements, language, 'problem-properties.json') : '';
  if (!propsPath || !existsSync(propsPath)) return '';
  let props: {
    name?: string;
    legend?: string;
    input?: string;
    output?: string;
    interaction?: string;
    notes?: string;
    sampleTests?: { input: string; output: string }[];
  };
  try {
    props = JSON.parse(readFileSync(propsPath, 'utf8'));
  } catch (e) {
    throw problemError(dir, `${propsPath.slice(dir.length + 1)} is not valid JSON (${(e as Error).message})`);
  }
  const parts = [`# ${props.name ?? title}`, '', '## Statement', props.legend ?? ''];
  if (props.input) parts.push('', '## Input', props.input);
  if (props.output) parts.push('', '## Output', props.output);
  if (props.interaction) parts.push('', '## Interaction', props.interaction);
  parts.push('', '## Examples');
  for (const t of props.sampleTests ?? [])
    parts.push('', '```', t.input.trimEnd(), '```', '', '```', t.output.trimEnd(), '```');
  if (props.notes) parts.push('', '## Note', props.notes);
  return `${parts.join('\n')}\n`;
}

export function loadPolygonPackage(path: string): Problem {
  const given = resolve(path);
  const dir = given.toLowerCase().endsWith('.zip') ? unpack(given) : given;
  const xmlPath = join(dir, 'problem.xml');
  const xmlText = readFileSync(xmlPath, 'utf8');
  const xml = parseXml(xmlText, `problem ${basename(given)}: problem.xml`);
  if (xml.name !== 'problem') throw problemError(given, `problem.xml has <${xml.name}> at the top, not <problem>`);
  const id = problemIdOf(xml.attrs['short-name'] ?? given);
  const names = children(xml, 'names/name');
  const title = (names.find((n) => n.attrs.language === 'english') ?? names[0])?.attrs.value ?? id;

  const judging = child(xml, 'judging');
  const testsets = children(judging, 'testset');
  const testset = testsets.find((t) => t.attrs.name === 'tests') ?? testsets[0];
  if (!testset) throw problemError(given, 'problem.xml has no <judging><testset>');
  const number = (name: string): number | null => {
    const text = child(testset, name)?.text.trim();
    return text ? Number(text) : null;
  };
  const timeLimitMs = number('time-limit');
  const memoryBytes = number('memory-limit');
  if (!timeLimitMs || !(timeLimitMs > 0)) throw problemError(given, 'problem.xml has no valid <time-limit>');
  if (!memoryBytes || !(memoryBytes > 0)) throw problemError(given, 'problem.xml has no valid <memory-limit>');
  const inputFile = judging?.attrs['input-file'] || null;
  const outputFile = judging?.attrs['output-file'] || null;

  // Executables (generators) by name: "gen" for files/gen.cpp.
  const executables = new Map<string, string>();
  for (const e of children(xml, 'files/executables/executable')) {
    const src = sourcePath(dir, e);
    if (src) executables.set(basename(src).replace(/\.[^.]+$/, ''), src);
  }

  const interactor = sourcePath(dir, child(xml, 'assets/interactor'));
  const interactive = interactor !== null;
  const inputPattern = child(testset, 'input-path-pattern')?.text.trim() || 'tests/%02d';
  const answerPattern = child(testset, 'answer-path-pattern')?.text.trim() || 'tests/%02d.a';
  const generated = join(cacheRoot(), `polygon-tests-${hashOf(dir, xmlText)}`);
  const testElements = children(testset, 'tests/test');
  const tests: TestCase[] = testElements.map((t, i) => {
    const n = i + 1;
    const name = formatPattern('%02d', n);
    let input = join(dir, formatPattern(inputPattern, n));
    let answer = join(dir, formatPattern(answerPattern, n));
    const test: TestCase = { name, input, answer };
    if (t.attrs.group !== undefined) test.group = t.attrs.group;
    if (t.attrs.points !== undefined) test.points = Number(t.attrs.points);
    if (!existsSync(input)) {
      const cmd = t.attrs.cmd;
      if (t.attrs.method !== 'generated' || !cmd)
        throw problemError(
          given,
          `test ${n}: ${formatPattern(inputPattern, n)} is missing and the test is not generated`,
        );
      const [program, ...args] = splitCommand(cmd);
      const source = executables.get(program) ?? [join(dir, 'files', `${program}.cpp`)].find((p) => existsSync(p));
      if (!source)
        throw problemError(given, `test ${n}: generator '${program}' is not among the package's executables`);
      if (args.some((a) => a === '>' || a.startsWith('{')))
        throw problemError(given, `test ${n}: generators writing several tests ('${cmd}') are not supported`);
      input = join(generated, name);
      test.input = input;
      test.generator = { source, args };
    }
    if (!existsSync(answer) && !interactive) {
      answer = join(generated, `${name}.a`);
      test.answer = answer;
      test.answerFromMain = true;
    }
    return test;
  });
  const declared = number('test-count');
  if (declared !== null && declared !== tests.length)
    throw problemError(given, `problem.xml says ${declared} tests but lists ${tests.length}`);
  if (tests.length === 0) throw problemError(given, 'problem.xml lists no tests');

  const checkerElement = child(xml, 'assets/checker');
  let checker: CheckerSpec = { type: 'tokens' };
  const standard = /^std::(\w+)(\.cpp)?$/.exec(checkerElement?.attrs.name ?? '')?.[1];
  if (standard && STANDARD_CHECKERS[standard]) checker = STANDARD_CHECKERS[standard];
  else {
    const source = sourcePath(dir, checkerElement);
    if (source) {
      if (!existsSync(source)) throw problemError(given, `checker ${source.slice(dir.length + 1)} does not exist`);
      checker = { type: 'custom', source };
    } else if (standard) throw problemError(given, `unknown standard checker std::${standard}`);
  }
  if (interactor && !existsSync(interactor))
    throw problemError(given, `interactor ${interactor.slice(dir.length + 1)} does not exist`);
  const validator = sourcePath(dir, children(xml, 'assets/validators/validator')[0]);

  const solutions: Problem['solutions'] = [];
  let mainSolution: string | null = null;
  for (const s of children(xml, 'assets/solutions/solution')) {
    const file = sourcePath(dir, s);
    if (!file || !existsSync(file)) continue;
    try {
      languageOfFile(file);
    } catch {
      continue; // a language this judge does not run (Delphi, ...): not part of the selftest
    }
    if (s.attrs.tag === 'main') mainSolution = file;
    const expected = TAG_VERDICTS[s.attrs.tag ?? ''];
    if (expected) solutions.push({ file, expected });
  }
  if (tests.some((t) => t.answerFromMain) && !mainSolution)
    throw problemError(given, 'answers are missing and the package has no main solution to make them');
  const tags = children(xml, 'tags/tag')
    .map((t) => t.attrs.value)
    .filter((v): v is string => Boolean(v));
  const testlib = join(dir, 'files', 'testlib.h');
  return {
    dir,
    id,
    title,
    timeLimitMs,
    memoryLimitMb: Math.ceil(memoryBytes / (1024 * 1024)),
    rating: 800,
    tags,
    checker,
    interactive,
    interactor,
    generator: null,
    validator: validator && existsSync(validator) ? validator : null,
    solutions,
    tests,
    statement: statementOf(dir, title),
    inputFile,
    outputFile,
    testlib: existsSync(testlib) ? testlib : null,
    mainSolution,
    format: 'polygon',
  };
}
