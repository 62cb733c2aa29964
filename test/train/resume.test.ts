// End-to-end training on a tiny model: a run interrupted and resumed from its checkpoint
// reproduces the uninterrupted run exactly, across a stage switch; corrupt checkpoints fail
// clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.ts';
import { ShardWriter } from '../../src/train/shards.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { latestCheckpoint, loadCheckpoint } from '../../src/train/checkpoint.ts';

function makeDataset(dir: string, seed: number, docs: number): void {
  const rng = new Rng(seed);
  const w = new ShardWriter(dir, 32, 200);
  for (let d = 0; d < docs; d++) {
    const len = 4 + rng.int(20);
    // a learnable pattern: each document counts upwards from a random start
    const start = rng.int(20);
    const tokens = [1, ...Array.from({ length: len }, (_, i) => 3 + ((start + i) % 29)), 2];
    w.add(
      tokens,
      tokens.map((_, i) => (i === 0 ? 0 : 1)),
      `s${d % 2}`,
    );
  }
  w.finish();
}

test('interrupt and resume reproduces the uninterrupted run, across a stage switch', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-train-'));
  try {
    makeDataset(join(root, 'a'), 1, 120);
    makeDataset(join(root, 'b'), 2, 60);
    makeDataset(join(root, 'eval'), 3, 20);
    const config = parseTrainConfig(
      {
        model: { vocabSize: 32, dim: 16, layers: 2, heads: 2, kvHeads: 1, ffnHidden: 32, maxSeqLen: 32 },
        stages: [{ data: join(root, 'a'), until: 0.75 }, { data: join(root, 'b') }],
        eval: join(root, 'eval'),
        evalEvery: 4,
        evalBatches: 2,
        rows: 2,
        seqLen: 24,
        steps: 8,
        gradAccum: 2,
        seed: 5,
        checkpointEvery: 0,
        optimizer: { lr: 1e-2, warmup: 2 },
      },
      'test config',
    );
    const whole = await train(config, join(root, 'whole'));
    assert.equal(whole.finalStep, 8);
    assert.ok(whole.losses[7] < whole.losses[0], `loss falls: ${whole.losses.join(', ')}`);

    const first = await train(config, join(root, 'split'), { stopAfterStep: 5 });
    assert.equal(first.interrupted, true);
    assert.equal(first.finalStep, 5);
    const second = await train(config, join(root, 'split'), { resume: true });
    assert.equal(second.finalStep, 8);
    assert.deepEqual([...first.losses, ...second.losses], whole.losses);
    assert.deepEqual(second.model.params.flat, whole.model.params.flat);

    const metrics = readFileSync(join(root, 'split', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      metrics.filter((m) => 'loss' in m).map((m) => m.step),
      [1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.deepEqual(
      metrics.filter((m) => 'loss' in m).map((m) => m.stage),
      [0, 0, 0, 0, 0, 0, 1, 1],
    );
    assert.ok(metrics.some((m) => 'evalLoss' in m && m.step === 4));

    // a corrupted checkpoint is a clear error, not a crash or a silent wrong model
    const ck = latestCheckpoint(join(root, 'split'))!;
    const state = join(ck, 'state.json');
    writeFileSync(state, '{"step": 8');
    assert.throws(() => loadCheckpoint(ck), /state\.json is unreadable/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
