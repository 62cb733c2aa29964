// `lmlab meco experiment --engine torch` without PyTorch: one clear line naming what to install,
// before any work is done; an unknown engine is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/lmlab.js', import.meta.url));

test('--engine torch without PyTorch fails with the package to install', () => {
  const work = mkdtempSync(join(tmpdir(), 'lmlab-torch-engine-'));
  try {
    const r = spawnSync(
      process.execPath,
      [bin, 'meco', 'experiment', '--engine', 'torch', '--work', join(work, 'w'), '--report', join(work, 'r.md')],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: { ...process.env, LMLAB_PYTHON: join(work, 'no-such-python') },
      },
    );
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /PyTorch engine needs Python 3 with torch.*apt-get install python3-torch/);
    assert.ok(!existsSync(join(work, 'w', 'corpus')), 'nothing was built');
    const bad = spawnSync(process.execPath, [bin, 'meco', 'experiment', '--engine', 'jax', '--work', join(work, 'w')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /--engine must be lmlab or torch/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
