// measureThroughput counts a step as the trainer does: rows × seqLen × gradAccum tokens (it once
// left out gradAccum, under-reporting accumulated runs). A fake clock makes it exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/util/rng.ts';
import { ShardWriter } from '../../src/train/shards.ts';
import { parseTrainConfig, tokensPerStep } from '../../src/train/config.ts';
import { measureThroughput, train } from '../../src/train/trainer.ts';

function makeDataset(dir: string): void {
  const rng = new Rng(1);
  const w = new ShardWriter(dir, 32, 200);
  for (let d = 0; d < 60; d++) {
    const tokens = [1, ...Array.from({ length: 4 + rng.int(20) }, () => 3 + rng.int(29)), 2];
    w.add(
      tokens,
      tokens.map((_, i) => (i === 0 ? 0 : 1)),
      's',
    );
  }
  w.finish();
}

test('a training step is rows × seqLen × gradAccum tokens, in the trainer and in measureThroughput', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-throughput-'));
  try {
    makeDataset(join(root, 'data'));
    const config = parseTrainConfig(
      {
        model: { vocabSize: 32, dim: 16, layers: 1, heads: 2, kvHeads: 1, ffnHidden: 32, maxSeqLen: 32 },
        stages: [{ data: join(root, 'data') }],
        rows: 2,
        seqLen: 16,
        steps: 3,
        gradAccum: 3,
        seed: 1,
        checkpointEvery: 0,
        evalEvery: 0,
        optimizer: { lr: 1e-3, warmup: 0 },
      },
      'test config',
    );
    assert.equal(tokensPerStep(config), 2 * 16 * 3);

    const seen: number[] = [];
    await train(config, join(root, 'run'), { onStep: (m) => seen.push(m.tokensSeen) });
    assert.deepEqual(
      seen,
      [1, 2, 3].map((step) => step * tokensPerStep(config)),
    );

    let clock = 0;
    const rate = await measureThroughput(config, join(root, 'probe'), 4, () => (clock += 1000));
    assert.equal(rate, tokensPerStep(config)); // one step per (fake) second
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
