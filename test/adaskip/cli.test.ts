// `lmlab adaskip calibrate|profile|plan|bench` end to end through the real CLI entry point on a
// tiny Hugging Face-layout model directory, and their one-line errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveHfCheckpoint } from '../../src/io/hf-llama.ts';
import { toNamedTensors } from '../../src/model/params.ts';
import { loadProfile } from '../../src/adaskip/profile.ts';
import { config, model, tokens } from './helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir = '';
let modelDir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lmlab-adaskip-'));
  modelDir = join(dir, 'model');
  spawnSync('mkdir', [modelDir]);
  saveHfCheckpoint(modelDir, model.config, toNamedTensors(model.params));
  const lines = [1, 2, 3, 4].map((seed) => JSON.stringify({ tokens: Array.from(tokens(20 + seed, seed)) }));
  writeFileSync(join(dir, 'prompts.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(dir, 'text.jsonl'), JSON.stringify({ text: 'hello' }) + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function lmlab(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(root, 'bin/lmlab.js'), 'adaskip', ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('calibrate writes a profile next to the model; profile and plan read it', () => {
  const cal = lmlab(['calibrate', modelDir, '--prompts', join(dir, 'prompts.jsonl'), '--count', '3']);
  assert.equal(cal.status, 0, cal.stderr);
  assert.match(cal.stdout, /on 3 requests \(66 tokens\)/);
  const path = join(modelDir, 'adaskip-profile.json');
  assert.ok(existsSync(path));
  const profile = loadProfile(path);
  assert.equal(profile.attn.similarity.length, config.layers);
  const table = lmlab(['profile', modelDir]);
  assert.equal(table.status, 0, table.stderr);
  const rows = table.stdout.trim().split('\n');
  assert.equal(rows.length, 2 + config.layers);
  assert.match(rows[2], /^\s+0\s+-?\d\.\d{4}/);
  const plan = lmlab(['plan', modelDir, '--alpha', '0.25']);
  assert.equal(plan.status, 0, plan.stderr);
  assert.match(plan.stdout, /adaskip, mode e2e: skips 2 of 8 sublayers: /);
  assert.match(plan.stdout, /online threshold τ = /);
});

test('bad input gives one-line errors and a non-zero exit', () => {
  const cases: Array<[string[], RegExp]> = [
    [['plan', modelDir, '--alpha', '1'], /^lmlab: alpha must be in \[0, 1\), got 1\n$/],
    [['plan', modelDir, '--mode', 'fast'], /^lmlab: unknown AdaSkip mode "fast"/],
    [
      [
        'calibrate',
        '--random',
        'dim=16,layers=2,heads=2,kv=2,ffn=32,vocab=30,context=64',
        '--prompts',
        join(dir, 'text.jsonl'),
        '--out',
        join(dir, 'p.json'),
      ],
      /needs a tokenizer/,
    ],
    [['profile', join(dir, 'nowhere')], /^lmlab: model directory not found/],
    [
      [
        'profile',
        '--random',
        'dim=16,layers=2,heads=2,kv=2,ffn=32,vocab=30,context=64',
        '--profile',
        join(modelDir, 'adaskip-profile.json'),
      ],
      /calibrated for a 4-layer model; this model has 2 layers/,
    ],
  ];
  for (const [args, pattern] of cases) {
    const run = lmlab(args);
    assert.notEqual(run.status, 0, args.join(' '));
    assert.match(run.stderr, pattern, args.join(' '));
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  }
});

test('bench runs dense and the methods on a small random model and reports ratios to dense', () => {
  const run = lmlab([
    'bench',
    '--shape',
    'dim=32,layers=4,heads=4,kv=2,ffn=48,vocab=64,context=128',
    '--contexts',
    '48',
    '--alphas',
    '0.25',
    '--methods',
    'adaskip,early-exit,cost-aware',
    '--decode-tokens',
    '4',
    '--calibration',
    '2',
    '--repeats',
    '1',
    '--json',
  ]);
  assert.equal(run.status, 0, run.stderr);
  const report = JSON.parse(run.stdout) as {
    rows: Array<{ method: string; prefillSpeedup: number; flopShareSkipped: number }>;
    collection: { overhead: number; observerShare: number };
  };
  assert.deepEqual(
    report.rows.map((r) => r.method),
    ['dense', 'adaskip', 'early-exit', 'cost-aware'],
  );
  assert.equal(report.rows[0].prefillSpeedup, 1);
  assert.ok(report.rows[1].flopShareSkipped > 0.15 && report.rows[1].flopShareSkipped < 0.35);
  assert.ok(Number.isFinite(report.collection.overhead));
  assert.ok(report.collection.observerShare > 0 && report.collection.observerShare < 1);
});
