// Regression: a sandbox whose init dies mid-run (seen once on a loaded CI machine during the
// fork-bomb test) costs the judging a retry in a fresh sandbox, not an internal error; and the
// launcher says how init ended when it cannot be retried. Init stays out of the memory cgroup.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { judgeSubmission } from '../../../src/codeelo/judge/judge.ts';
import { languageById } from '../../../src/codeelo/judge/languages.ts';
import { loadProblem } from '../../../src/codeelo/judge/problem.ts';
import { sandboxSkipReason, writeProblem } from './helpers.ts';

const skip = sandboxSkipReason();
const root = mkdtempSync(join(tmpdir(), 'lmlab-lost-'));
after(() => rmSync(root, { recursive: true, force: true }));

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(name));
    } catch {
      // ended while we looked
    }
  }
  return found;
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

test('a sandbox lost mid-run is replaced and the test judged again', { skip, timeout: 60_000 }, async () => {
  const dir = writeProblem(root, 'slow', { timeLimitMs: 3000 }, { 'tests/01.in': '5\n', 'tests/01.ans': '5\n' });
  // Waits ~0.6 s of wall time, then echoes: long enough for the test to kill init once.
  const source =
    '#include <cstdio>\n#include <ctime>\nint main(){int x;scanf("%d",&x);timespec t{0,600000000};nanosleep(&t,nullptr);printf("%d\\n",x);}\n';
  const problem = loadProblem(dir);
  const first = await judgeSubmission(problem, languageById('cpp'), Buffer.from(source)); // compiles
  assert.equal(first.verdict, 'AC');
  let killed = 0;
  const watcher = setInterval(() => {
    if (killed) return;
    for (const launcher of childrenOf(process.pid).filter((p) => commOf(p) === 'sandbox')) {
      for (const init of childrenOf(launcher)) {
        // init is the launcher's child with a program child of its own: the run is under way
        if (!childrenOf(init).some((p) => commOf(p) === 'main')) continue;
        process.kill(init, 'SIGKILL');
        killed++;
        return;
      }
    }
  }, 20);
  try {
    const result = await judgeSubmission(problem, languageById('cpp'), Buffer.from(source));
    assert.equal(killed, 1, 'the watcher killed one sandbox init');
    assert.equal(result.verdict, 'AC', `${result.verdict}: ${result.tests[0]?.message}`);
  } finally {
    clearInterval(watcher);
  }
});

test("a fork bomb at a tight memory limit is the program's limit, never the sandbox's loss", {
  skip,
  timeout: 60_000,
}, async () => {
  // Init once lived in the program's memory cgroup; without CAP_SYS_RESOURCE it could not opt
  // out of the OOM killer, and at 16 MB the bomb's OOM took it down (IE instead of a verdict).
  const dir = writeProblem(root, 'bomb', { timeLimitMs: 500, memoryLimitMb: 16 }, {});
  const source = '#include <unistd.h>\nint main() { for (;;) fork(); }\n';
  for (let round = 0; round < 3; round++) {
    const result = await judgeSubmission(loadProblem(dir), languageById('cpp'), Buffer.from(source));
    assert.ok(['MLE', 'TLE'].includes(result.verdict), `${result.verdict}: ${result.tests[0]?.message}`);
  }
});
