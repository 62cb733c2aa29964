// Polygon packages with lmlab's own testlib header: a package holding a custom testlib checker,
// a generator named by the tests' `cmd` and only a main solution for the answers judges AC, WA,
// PE, TLE, RE and MLE correctly; an interactive package with a testlib interactor does too; the
// same package as a .zip loads identically; a plain folder of tests needs nothing else.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { judgeSubmission } from '../../../src/codeelo/judge/judge.ts';
import { languageById } from '../../../src/codeelo/judge/languages.ts';
import { loadProblem } from '../../../src/codeelo/judge/problem.ts';
import { sandboxSkipReason } from './helpers.ts';

const skip = sandboxSkipReason();
const root = mkdtempSync(join(tmpdir(), 'lmlab-polygon-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function write(dir: string, files: Record<string, string>): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const CHECKER = `#include "testlib.h"
int main(int argc, char* argv[]) {
  registerTestlibCmd(argc, argv);
  long long a = inf.readLong(), b = inf.readLong();
  long long want = ans.readLong();
  ensuref(want == a + b, "jury answer %lld is not %lld", want, a + b);
  long long got = ouf.readLong(-4000000000LL, 4000000000LL, "sum");
  if (got != want) quitf(_wa, "expected %lld, found %lld", want, got);
  quitf(_ok, "sum is %lld", got);
}
`;

const GENERATOR = `#include "testlib.h"
int main(int argc, char* argv[]) {
  registerGen(argc, argv, 1);
  int limit = opt<int>(1);
  println(rnd.next(-limit, limit), rnd.next(-limit, limit));
}
`;

const VALIDATOR = `#include "testlib.h"
int main(int argc, char* argv[]) {
  registerValidation(argc, argv);
  inf.readLong(-1000000000LL, 1000000000LL, "a"); inf.readSpace();
  inf.readLong(-1000000000LL, 1000000000LL, "b"); inf.readEoln(); inf.readEof();
}
`;

const MAIN = '#include <cstdio>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);std::printf("%lld\\n",a+b);}\n';

const SOLUTIONS: Record<string, [string, string]> = {
  ac: ['py', 'a, b = map(int, input().split())\nprint(a + b)\n'],
  wa: [
    'cpp',
    '#include <cstdio>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);std::printf("%lld\\n",a+b+(a>0?1:0)+(a<=0?1:0));}\n',
  ],
  pe: [
    'cpp',
    '#include <cstdio>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);std::printf("sum=%lld\\n",a+b);}\n',
  ],
  tle: ['cpp', '#include <cstdio>\nint main(){volatile unsigned long long x=0;for(;;)x++;}\n'],
  re: ['cpp', '#include <cstdlib>\nint main(){std::abort();}\n'],
  mle: [
    'cpp',
    '#include <cstdlib>\n#include <cstring>\nint main(){for(int i=0;i<512;i++){char*p=(char*)std::malloc(1<<20);if(p)std::memset(p,7,1<<20);}return 0;}\n',
  ],
  extra: [
    'cpp',
    '#include <cstdio>\nint main(){long long a,b;std::scanf("%lld %lld",&a,&b);std::printf("%lld\\n0\\n",a+b);}\n',
  ],
};

function problemXml(extra: { checker: string; interactor?: string; tests: string }): string {
  return `<?xml version="1.0" encoding="utf-8" standalone="no"?>
<problem revision="3" short-name="a-plus-b">
  <names><name language="english" value="A plus B"/></names>
  <judging cpu-name="Intel" cpu-speed="3600" input-file="" output-file="">
    <testset name="tests">
      <time-limit>1000</time-limit>
      <memory-limit>67108864</memory-limit>
      <test-count>3</test-count>
      <input-path-pattern>tests/%02d</input-path-pattern>
      <answer-path-pattern>tests/%02d.a</answer-path-pattern>
      <tests>${extra.tests}</tests>
    </testset>
  </judging>
  <files>
    <executables><executable><source path="files/gen.cpp" type="cpp.g++17"/></executable>
      <executable><source path="files/val.cpp" type="cpp.g++17"/></executable></executables>
  </files>
  <assets>
    ${extra.checker}
    ${extra.interactor ?? ''}
    <validators><validator><source path="files/val.cpp" type="cpp.g++17"/></validator></validators>
    <solutions>
      <solution tag="main"><source path="solutions/main.cpp" type="cpp.g++17"/></solution>
      <solution tag="wrong-answer"><source path="solutions/wa.cpp" type="cpp.g++17"/></solution>
    </solutions>
  </assets>
  <tags><tag value="math"/></tags>
</problem>
`;
}

const TESTS = `
        <test method="manual" sample="true" group="samples" points="0"/>
        <test cmd="gen 1000" method="generated" group="main" points="50"/>
        <test cmd="gen 1000000000" method="generated" group="main" points="50"/>`;

const pkg = write(join(root, 'a-plus-b'), {
  'problem.xml': problemXml({
    checker: '<checker type="testlib"><source path="files/check.cpp" type="cpp.g++17"/></checker>',
    tests: TESTS,
  }),
  'files/check.cpp': CHECKER,
  'files/gen.cpp': GENERATOR,
  'files/val.cpp': VALIDATOR,
  'solutions/main.cpp': MAIN,
  'solutions/wa.cpp': SOLUTIONS.wa[1],
  'tests/01': '2 3\n',
  'statements/english/problem-properties.json': JSON.stringify({
    name: 'A plus B',
    legend: 'Add.',
    input: 'Two integers.',
    output: 'Their sum.',
    sampleTests: [{ input: '2 3\n', output: '5\n' }],
  }),
});

test('problem.xml loads: limits, tests with groups and points, generated tests, custom checker', () => {
  const problem = loadProblem(pkg);
  assert.equal(problem.format, 'polygon');
  assert.equal(problem.id, 'a-plus-b');
  assert.equal(problem.title, 'A plus B');
  assert.equal(problem.timeLimitMs, 1000);
  assert.equal(problem.memoryLimitMb, 64);
  assert.deepEqual(
    problem.tests.map((t) => [t.name, t.group, t.points, Boolean(t.generator), Boolean(t.answerFromMain)]),
    [
      ['01', 'samples', 0, false, true],
      ['02', 'main', 50, true, true],
      ['03', 'main', 50, true, true],
    ],
  );
  assert.deepEqual(problem.tests[1].generator?.args, ['1000']);
  assert.equal(problem.checker.type, 'custom');
  assert.ok(problem.validator?.endsWith('files/val.cpp'));
  assert.deepEqual(
    problem.solutions.map((s) => s.expected),
    ['AC', 'WA'],
  );
  assert.match(problem.statement, /## Examples[\s\S]*2 3/);
});

const expected: [string, string][] = [
  ['ac', 'AC'],
  ['wa', 'WA'],
  ['pe', 'PE'],
  ['extra', 'PE'],
  ['tle', 'TLE'],
  ['re', 'RE'],
  ['mle', 'MLE'],
];
for (const [name, verdict] of expected) {
  test(`Polygon package with lmlab's testlib.h: ${name} gets ${verdict}`, { skip, timeout: 600_000 }, async () => {
    const problem = loadProblem(pkg);
    const [lang, source] = SOLUTIONS[name];
    const result = await judgeSubmission(problem, languageById(lang), Buffer.from(source));
    const failed = result.tests.find((t) => t.test === result.failedTest);
    assert.equal(result.verdict, verdict, `${result.verdict}: ${failed?.message ?? result.compileMessage}`);
    if (name === 'ac') assert.match(result.tests[2].message, /^ok sum is -?\d+$/);
    if (name === 'pe') assert.match(failed!.message, /Expected integer, but "sum=5" found/);
    if (name === 'extra') assert.match(failed!.message, /Extra information in the output file/);
  });
}

test('a Polygon .zip loads like its directory', {
  skip: skip || (spawnSync('python3', ['--version']).status !== 0 && 'python3 missing'),
}, () => {
  const zip = join(root, 'a-plus-b.zip');
  const made = spawnSync('python3', [
    '-c',
    `import shutil; shutil.make_archive(${JSON.stringify(zip.slice(0, -4))}, 'zip', ${JSON.stringify(pkg)})`,
  ]);
  assert.equal(made.status, 0, made.stderr?.toString());
  const fromZip = loadProblem(zip);
  assert.equal(fromZip.id, 'a-plus-b');
  assert.equal(fromZip.tests.length, 3);
  assert.equal(fromZip.checker.type, 'custom');
});

test('standard checkers by name map onto the built-ins', () => {
  const dir = write(join(root, 'std-checker'), {
    'problem.xml': problemXml({
      checker:
        '<checker name="std::rcmp6.cpp" type="testlib"><source path="files/check.cpp" type="cpp.g++17"/></checker>',
      tests: TESTS,
    }),
    'files/check.cpp': CHECKER,
    'files/gen.cpp': GENERATOR,
    'files/val.cpp': VALIDATOR,
    'solutions/main.cpp': MAIN,
    'tests/01': '1 1\n',
  });
  assert.deepEqual(loadProblem(dir).checker, { type: 'float', eps: 1e-6 });
});

const INTERACTOR = `#include "testlib.h"
int main(int argc, char* argv[]) {
  registerInteraction(argc, argv);
  int secret = inf.readInt(1, 100, "secret");
  for (int q = 1; q <= 10; q++) {
    int guess = ouf.readInt(1, 100, "guess");
    if (guess == secret) { std::printf("=\\n"); std::fflush(stdout); tout << q << std::endl; quitf(_ok, "found in %d queries", q); }
    std::printf(guess < secret ? "<\\n" : ">\\n"); std::fflush(stdout);
  }
  quitf(_wa, "too many queries");
}
`;

test('interactive Polygon package with a testlib interactor', { skip, timeout: 600_000 }, async () => {
  const dir = write(join(root, 'guess'), {
    'problem.xml': problemXml({
      checker:
        '<checker name="std::wcmp.cpp" type="testlib"><source path="files/check.cpp" type="cpp.g++17"/></checker>',
      interactor: '<interactor><source path="files/interactor.cpp" type="cpp.g++17"/></interactor>',
      tests: '<test method="manual"/><test method="manual"/><test method="manual"/>',
    }),
    'files/interactor.cpp': INTERACTOR,
    'files/check.cpp': CHECKER,
    'files/gen.cpp': GENERATOR,
    'files/val.cpp': VALIDATOR,
    'solutions/main.cpp': MAIN,
    'tests/01': '1\n',
    'tests/02': '77\n',
    'tests/03': '100\n',
  });
  const problem = loadProblem(dir);
  assert.equal(problem.interactive, true);
  const binary =
    'lo, hi = 1, 100\nwhile True:\n    m = (lo + hi) // 2\n    print(m, flush=True)\n    r = input().strip()\n    if r == "=": break\n    if r == "<": lo = m + 1\n    else: hi = m - 1\n';
  const ok = await judgeSubmission(problem, languageById('py'), Buffer.from(binary));
  assert.equal(ok.verdict, 'AC', ok.tests.map((t) => t.message).join('; '));
  // Stops quietly when the interactor hangs up, so the interactor's verdict is the one that counts.
  const linear =
    'import sys\nfor g in range(1, 101):\n    print(g, flush=True)\n    if sys.stdin.readline().strip() in ("=", ""): break\n';
  const slow = await judgeSubmission(problem, languageById('py'), Buffer.from(linear));
  assert.equal(slow.verdict, 'WA');
  assert.match(slow.tests.find((t) => t.verdict === 'WA')!.message, /too many queries/);
});

test('a plain folder of tests is enough to judge', { skip, timeout: 600_000 }, async () => {
  const dir = write(join(root, 'plain'), { '1.in': '2 3\n', '1.ans': '5\n', '2.in': '10 -4\n', '2.ans': '6\n' });
  const problem = loadProblem(dir, { timeLimitMs: 1000, memoryLimitMb: 64, checker: 'ncmp' });
  assert.equal(problem.format, 'plain');
  assert.deepEqual(problem.checker, { type: 'ints' });
  const result = await judgeSubmission(problem, languageById('py'), Buffer.from(SOLUTIONS.ac[1]));
  assert.equal(result.verdict, 'AC');
  assert.equal(result.tests.length, 2);
});
