// `lmlab serve` as a process: binds loopback on an ephemeral port, prints its URL, takes the API
// key from LMLAB_API_KEY, stops on SIGTERM; one-line errors for a bad model path. And CodeElo on
// a local model: `lmlab codeelo run --provider local` (in-process) and `--base-url` at
// `lmlab serve` store the same answers for the same seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunStore } from '../../src/codeelo/harness/store.ts';
import { loadServedModel } from '../../src/serve/model.ts';
import { writeTinyChatModel } from './helpers.ts';

const bin = fileURLToPath(new URL('../../bin/lmlab.js', import.meta.url));
let work = '';
let modelDir = '';

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'lmlab-serve-cli-'));
  modelDir = join(work, 'tiny');
  await writeTinyChatModel(modelDir, { maxSeqLen: 2048 });
});
after(() => rmSync(work, { recursive: true, force: true }));

/** Starts `lmlab serve` and resolves with its base URL once it prints it. */
function serve(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; baseUrl: string }> {
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /on (http:\/\/\S+\/v1)/.exec(out);
      if (m) resolve({ child, baseUrl: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`lmlab serve exited with ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

test('lmlab serve: loopback, ephemeral port, LMLAB_API_KEY, clean shutdown', async () => {
  const { child, baseUrl } = await serve([modelDir, '--port', '0', '--model-name', 'tiny'], { LMLAB_API_KEY: 'k1' });
  try {
    assert.match(baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const body = JSON.stringify({ model: 'tiny', prompt: 'the fox', max_tokens: 3 });
    const denied = await fetch(`${baseUrl}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(denied.status, 401);
    const ok = await fetch(`${baseUrl}/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k1' },
      body,
    });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens, 3);
  } finally {
    assert.equal(await stop(child), 0);
  }
});

test('lmlab serve: one-line errors', () => {
  const missing = spawnSync(process.execPath, [bin, 'serve', join(work, 'nowhere')], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /^lmlab: model not found: .*nowhere\n$/);
  const gguf = join(work, 'model.gguf');
  writeFileSync(gguf, 'GGUF');
  const g = spawnSync(process.execPath, [bin, 'serve', gguf], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(g.status, 0);
  assert.match(g.stderr, /^lmlab: .*model\.gguf.*\n$/);
  const port = spawnSync(process.execPath, [bin, 'serve', modelDir, '--port', '70000'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.match(port.stderr, /^lmlab: --port must be a whole number in \[0, 65535\], got "70000"\n$/);
});

test('codeelo run --provider local equals --base-url at lmlab serve (same seed, same answers)', async () => {
  const common = [
    '--contests',
    'bundled:900001',
    '--attempts',
    '1',
    '--max-tokens',
    '24',
    '--temperature',
    '0.7',
    '--top-k',
    '20',
    '--repetition-penalty',
    '1.1',
    '--seed',
    '3',
    '--quiet',
  ];
  const local = spawnSync(
    process.execPath,
    [bin, 'codeelo', 'run', '--provider', 'local', '--model', modelDir, '--db', join(work, 'local.sqlite'), ...common],
    { encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(local.status, 0, local.stderr);
  const { child, baseUrl } = await serve([modelDir, '--port', '0', '--model-name', 'tiny']);
  let remote: { status: number | null; stderr: string };
  try {
    remote = await new Promise((resolve) => {
      const c = spawn(
        process.execPath,
        [
          bin,
          'codeelo',
          'run',
          '--base-url',
          baseUrl,
          '--model',
          'tiny',
          '--db',
          join(work, 'served.sqlite'),
          ...common,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      c.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      c.once('exit', (status) => resolve({ status, stderr }));
    });
  } finally {
    await stop(child);
  }
  assert.equal(remote.status, 0, remote.stderr);
  const answers = (db: string) => {
    const store = new RunStore(db, { create: false });
    try {
      return store.attempts().map((a) => [a.contestId, a.index, a.answer]);
    } finally {
      store.close();
    }
  };
  const a = answers(join(work, 'local.sqlite'));
  const b = answers(join(work, 'served.sqlite'));
  assert.ok(a.length > 0);
  assert.deepEqual(a, b);
});

test('lmlab serve: a GGUF export of a model serves with the same tokens and logits as its folder', async () => {
  const gguf = join(work, 'tiny.gguf');
  const r = spawnSync(process.execPath, [bin, 'weights', 'to-gguf', modelDir, gguf], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const folder = await loadServedModel(modelDir);
  const file = await loadServedModel(gguf);
  const ids = folder.encodeText('The judge reads the input.');
  assert.deepEqual([...file.encodeText('The judge reads the input.')], [...ids]);
  const a = folder.newSession().session.prefill(ids).data;
  const b = file.newSession().session.prefill(ids).data;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  assert.ok(worst < 1e-3, `largest logit difference ${worst}`);
});
