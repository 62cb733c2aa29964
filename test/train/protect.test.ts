// A run folder is owned and protected: an existing run is never overwritten without
// --overwrite, one process at a time holds it (lock file, stale locks recovered), retention
// keeps the newest checkpoints by step number with `latest` naming an existing one, and a
// damaged checkpoint (checksums) falls back to the previous good one, loudly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.ts';
import { ShardWriter } from '../../src/train/shards.ts';
import { parseTrainConfig, type TrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { latestCheckpoint } from '../../src/train/checkpoint.ts';
import { LmlabError } from '../../src/util/errors.ts';

function makeDataset(dir: string): void {
  const rng = new Rng(1);
  const w = new ShardWriter(dir, 32, 200);
  for (let d = 0; d < 80; d++) {
    const len = 4 + rng.int(20);
    const start = rng.int(20);
    const tokens = [1, ...Array.from({ length: len }, (_, i) => 3 + ((start + i) % 29)), 2];
    w.add(
      tokens,
      tokens.map((_, i) => (i === 0 ? 0 : 1)),
      's',
    );
  }
  w.finish();
}

function config(root: string, steps: number): TrainConfig {
  return parseTrainConfig(
    {
      model: { vocabSize: 32, dim: 16, layers: 1, heads: 2, kvHeads: 1, ffnHidden: 32, maxSeqLen: 32 },
      stages: [{ data: join(root, 'a') }],
      rows: 2,
      seqLen: 16,
      steps,
      seed: 3,
      checkpointEvery: 2,
      logEvery: 1,
      optimizer: { lr: 1e-2, warmup: 1 },
    },
    'test config',
  );
}

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

test('an existing run is refused without --resume or --overwrite, and left intact', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-protect-'));
  try {
    makeDataset(join(root, 'a'));
    const run = join(root, 'run');
    await train(config(root, 4), run);
    const metrics = readFileSync(join(run, 'metrics.jsonl'), 'utf8');
    const checkpoints = readdirSync(join(run, 'checkpoints')).sort();
    await assert.rejects(
      train(config(root, 4), run),
      (e: Error) => e instanceof LmlabError && /already holds a run .*--resume.*--overwrite/.test(e.message),
    );
    assert.equal(readFileSync(join(run, 'metrics.jsonl'), 'utf8'), metrics);
    assert.deepEqual(readdirSync(join(run, 'checkpoints')).sort(), checkpoints);
    const again = await train(config(root, 2), run, { overwrite: true });
    assert.equal(again.finalStep, 2);
    assert.deepEqual(
      readFileSync(join(run, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).step),
      [1, 2],
    );
    assert.equal(latestCheckpoint(run), join(run, 'checkpoints', 'step-000002'));
    assert.deepEqual(
      readdirSync(join(run, 'checkpoints')).filter((n) => n.startsWith('step-')),
      ['step-000002'],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('one process per run folder: "in use by PID n"; a dead owner\'s lock is taken over', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-protect-'));
  try {
    makeDataset(join(root, 'a'));
    const run = join(root, 'run');
    const first = train(config(root, 6), run);
    await assert.rejects(train(config(root, 6), run, { resume: true }), new RegExp(`in use by PID ${process.pid}`));
    assert.equal((await first).finalStep, 6);
    assert.equal(existsSync(join(run, 'lock')), false, 'the lock is released');
    // a lock left by a killed process (same host, PID gone) is stale
    writeFileSync(
      join(run, 'lock'),
      JSON.stringify({ pid: deadPid(), host: hostname(), started: '2020-01-01T00:00:00Z' }),
    );
    const resumed = await train(config(root, 8), run, { resume: true });
    assert.equal(resumed.finalStep, 8);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('retention keeps the newest checkpoints by step number, and latest names an existing one', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-protect-'));
  try {
    makeDataset(join(root, 'a'));
    const run = join(root, 'run');
    await train(config(root, 8), run);
    const names = () =>
      readdirSync(join(run, 'checkpoints'))
        .filter((n) => n.startsWith('step-'))
        .sort();
    assert.deepEqual(names(), ['step-000006', 'step-000008']);
    // an older, longer run's checkpoints sort after ours by name but not by step: a 7-digit
    // step is newer than every 6-digit one
    mkdirSync(join(run, 'checkpoints', 'step-1000000'));
    writeFileSync(join(run, 'checkpoints', 'step-1000000', 'state.json'), '{}');
    const resumed = await train(config(root, 10), run, { resume: true, onMessage: () => {} }).catch((e: Error) => e);
    // step-1000000 is not a usable checkpoint (no checksums): the newest good one is taken
    assert.ok(!(resumed instanceof Error), String(resumed));
    assert.equal(resumed.finalStep, 10);
    assert.deepEqual(names(), ['step-000008', 'step-000010']);
    assert.equal(latestCheckpoint(run), join(run, 'checkpoints', 'step-000010'));
    // leftovers of a killed writer (its PID dead) are removed by the next run
    const leftover = join(run, 'checkpoints', `.step-000012.tmp-${deadPid()}-1`);
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'model.safetensors'), 'partial');
    await train(config(root, 12), run, { resume: true });
    assert.equal(existsSync(leftover), false);
    assert.ok(!readdirSync(join(run, 'checkpoints')).some((n) => n.includes('.tmp-')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a checkpoint with damaged bytes fails its checksum; resume falls back to the previous good one and says so', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-protect-'));
  try {
    makeDataset(join(root, 'a'));
    const whole = await train(config(root, 10), join(root, 'whole'));
    const run = join(root, 'run');
    await train(config(root, 10), run, { stopAfterStep: 8 });
    // 4 bytes overwritten inside the optimiser state of the newest checkpoint
    const file = join(run, 'checkpoints', 'step-000008', 'optimizer.safetensors');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from([0x7f, 0x7f, 0x7f, 0x7f]), 0, 4, 400);
    closeSync(fd);
    const messages: string[] = [];
    const resumed = await train(config(root, 10), run, { resume: true, onMessage: (m) => messages.push(m) });
    assert.ok(
      messages.some((m) => /step-000008 is damaged \(optimizer\.safetensors does not match its checksum\)/.test(m)),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => /resuming from .*step-000006 at step 6/.test(m)),
      messages.join('\n'),
    );
    // resumed from step 6, the run is exactly the uninterrupted one
    assert.deepEqual(resumed.model.params.flat, whole.model.params.flat);
    // every checkpoint damaged: a clear error, no silent fresh start
    for (const name of ['step-000008', 'step-000010'])
      writeFileSync(join(run, 'checkpoints', name, 'state.json'), '{}');
    await assert.rejects(
      train(config(root, 12), run, { resume: true }),
      /no usable checkpoint in .*step-000010: state\.json does not match its checksum/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
