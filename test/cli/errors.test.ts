// The CLI's one error policy: an LmlabError prints as one line with its exit code; anything else
// is a bug and says so (internal error), with the stack only under LMLAB_DEBUG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const errorsModule = fileURLToPath(new URL('../../src/cli/errors.ts', import.meta.url));

function report(expression: string, env: Record<string, string> = {}) {
  const script = `const m = await import(${JSON.stringify(errorsModule)}); const { LmlabError } = m; m.reportAndExit(${expression});`;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, LMLAB_DEBUG: '', ...env },
    timeout: 60_000,
  });
}

test('an LmlabError prints its one line and exit code', () => {
  const r = report("new LmlabError('no run database at x.sqlite\\nsecond line', 75)");
  assert.equal(r.status, 75);
  assert.equal(r.stderr, 'lmlab: no run database at x.sqlite\n');
});

test('any other error is reported as an internal error, stack only with LMLAB_DEBUG', () => {
  const r = report("new TypeError('cannot read properties of undefined')");
  assert.equal(r.status, 1);
  assert.equal(
    r.stderr,
    'lmlab: internal error: cannot read properties of undefined (a bug in lmlab; LMLAB_DEBUG=1 prints the stack)\n',
  );
  const d = report("new TypeError('boom')", { LMLAB_DEBUG: '1' });
  assert.match(d.stderr, /^lmlab: internal error: boom .*\nTypeError: boom\n\s+at /);
});
