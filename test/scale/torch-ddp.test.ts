// The PyTorch trainer (scale/torch) against lmlab's own: a two-stage MeCo run (metadata stage,
// then cooldown) of a tiny GQA model, from the same initial weights (`train --init-only`) and
// the same rows (the training-order MDS export of each stage), trained by lmlab and by
// `torchrun --nproc_per_node 2` (DDP over gloo, CPU; stopped at step 20 and resumed from its
// checkpoint): the 50 step losses agree; the PyTorch
// checkpoint scores the same in lmlab and in PyTorch; the Python port of the row packer reads
// lmlab's shards into the same rows. Needs Debian's python3-torch (CI installs it): a machine
// without it fails here with the package to install, unless LMLAB_SKIP_TORCH=1 is set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tokenizeCorpus } from '../../src/train/tokenize.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { train } from '../../src/train/trainer.ts';
import { RowLoader } from '../../src/train/packing.ts';
import { TORCH_SCORER, findTorchPython, runTorchTrainer } from '../../src/train/torch.ts';
import { mecoFormat } from '../../src/meco/layout.ts';
import { exportTrainingRows } from '../../src/meco/experiment/mds.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { scoreText } from '../../src/model/score.ts';
import { saveTokenizer } from '../../src/tokenizer/index.ts';
import { testTokenizer } from '../meco/helpers.ts';

const bin = fileURLToPath(new URL('../../bin/lmlab.js', import.meta.url));

const skip = process.env.LMLAB_SKIP_TORCH === '1' ? 'LMLAB_SKIP_TORCH=1' : false;

function torchPython(): string {
  const p = findTorchPython();
  assert.ok(
    p,
    'PyTorch is not installed: apt-get install python3-torch python3-numpy (or set LMLAB_PYTHON; LMLAB_SKIP_TORCH=1 skips this test)',
  );
  return p.python;
}

async function fixture(root: string) {
  const tk = testTokenizer();
  const tokenizerPath = join(root, 'tokenizer.json');
  await saveTokenizer(tk, tokenizerPath);
  const texts = [
    'The Congress shall have power to lay and collect taxes.',
    'Call me Ishmael. Some years ago I went to sea.',
    'From the networking subsystem: sockets and buffers.',
  ];
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({
      text: `${texts[i % 3]} ${i} ${texts[(i + 1) % 3].repeat(1 + (i % 3))}`,
      url: `https://www.s${i % 4}.org/${i}`,
    }),
  );
  writeFileSync(join(root, 'docs.jsonl'), lines.join('\n') + '\n');
  await tokenizeCorpus([join(root, 'docs.jsonl')], join(root, 'meta'), tk, {
    format: mecoFormat(tk, 'domain', { urlField: 'url' }),
  });
  await tokenizeCorpus([join(root, 'docs.jsonl')], join(root, 'plain'), tk, {
    format: mecoFormat(tk, 'none', { urlField: 'url' }),
  });
  const raw = {
    model: {
      vocabSize: tk.vocabSize,
      dim: 32,
      layers: 2,
      heads: 4,
      kvHeads: 2,
      ffnHidden: 64,
      maxSeqLen: 64,
      normEps: 1e-5,
    },
    stages: [
      { name: 'metadata', data: join(root, 'meta'), until: 0.9 },
      { name: 'cooldown', data: join(root, 'plain') },
    ],
    tokenizer: tokenizerPath,
    rows: 4,
    seqLen: 64,
    steps: 50,
    gradAccum: 2,
    seed: 5,
    optimizer: {
      lr: 3e-3,
      warmup: 5,
      floor: 0.1,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: 0.033,
      clip: 1,
      decayEmbeddings: false,
    },
    evalEvery: 0,
    checkpointEvery: 0,
    logEvery: 1,
  };
  return { tk, tokenizerPath, raw, config: parseTrainConfig(raw, 'test') };
}

test("PyTorch DDP (torchrun, 2 processes) trains the MeCo export with lmlab's losses; its checkpoint scores the same in lmlab", {
  skip,
  timeout: 600_000,
}, async () => {
  torchPython();
  const root = mkdtempSync(join(tmpdir(), 'lmlab-torch-'));
  try {
    const { tk, raw, config } = await fixture(root);
    const configPath = join(root, 'config.json');
    writeFileSync(configPath, JSON.stringify(raw));
    await train(config, join(root, 'init'), { initOnly: true });
    const ours = await train(config, join(root, 'lmlab'));
    const stageData: Record<number, string> = {};
    config.stages.forEach((_, i) => {
      exportTrainingRows(config, i, join(root, `mds-${i}`));
      stageData[i] = join(root, `mds-${i}`);
    });
    // interrupted after step 20 (inside the metadata stage) and resumed from its checkpoint
    const torchRun = {
      configPath,
      runDir: join(root, 'torch'),
      processes: 2,
      init: join(root, 'init', 'checkpoints', 'step-000000'),
      stageData,
      device: 'cpu' as const,
      threads: 1,
    };
    const first = await runTorchTrainer({ ...torchRun, maxSteps: 20 });
    assert.equal(first.steps.length, 20);
    const theirs = await runTorchTrainer({ ...torchRun, resume: true });
    assert.equal(theirs.steps.length, 50);
    const rel = ours.losses.map((l, i) => Math.abs(theirs.steps[i].loss - l) / l);
    const maxRel = Math.max(...rel);
    console.log(
      `loss parity over 50 steps: max relative difference ${maxRel.toExponential(2)} (first ${ours.losses[0].toFixed(4)}, last ${ours.losses[49].toFixed(4)} vs ${theirs.steps[49].loss.toFixed(4)})`,
    );
    assert.ok(maxRel < 1e-5, `losses differ by up to ${maxRel} relative`);
    assert.ok(ours.losses[49] < ours.losses[0] - 1, 'both actually train');
    assert.deepEqual(
      theirs.steps.map((s) => s.stage),
      ours.losses.map((_, i) => (i < 45 ? 0 : 1)),
      'the cooldown stage starts at step 45',
    );

    // the PyTorch checkpoint in lmlab (`lmlab score --json`) and in PyTorch
    const ckpt = join(root, 'torch', 'checkpoints', 'step-000050');
    const text = 'Call me Ishmael. The Congress shall have power.';
    const cli = spawnSync(process.execPath, [bin, 'score', ckpt, '--text', text, '--json'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    const lm = JSON.parse(cli.stdout.trim()) as { tokens: number[]; logprobs: number[]; nll: number };
    const { model } = await loadModelDir(ckpt, { requireTokenizer: true });
    assert.deepEqual(scoreText(model, tk, text).logprobs, lm.logprobs, 'the library scores as the CLI does');
    const ids = [tk.bosId!, ...tk.encode(text)];
    const py = spawnSync(torchPython(), [TORCH_SCORER, ckpt, '--ids', JSON.stringify(ids)], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(py.status, 0, py.stderr);
    const pt = JSON.parse(py.stdout.trim()) as { tokens: number[]; logprobs: number[]; nll: number };
    assert.deepEqual(pt.tokens, lm.tokens);
    const maxAbs = Math.max(...pt.logprobs.map((l, i) => Math.abs(l - lm.logprobs[i])));
    console.log(
      `checkpoint round trip: ${lm.tokens.length} tokens, nll ${lm.nll.toFixed(5)} (lmlab) vs ${pt.nll.toFixed(5)} (PyTorch), max per-token difference ${maxAbs.toExponential(2)}`,
    );
    assert.ok(maxAbs < 1e-4, `per-token log-probabilities differ by up to ${maxAbs}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the Python row packer reads lmlab shards into the trainer's rows", { skip, timeout: 120_000 }, async () => {
  const python = torchPython();
  const root = mkdtempSync(join(tmpdir(), 'lmlab-torch-rows-'));
  try {
    await fixture(root);
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(join(TORCH_SCORER, '..'))})`,
      'from lmlab_torch.data import ShardRowLoader, next_rows',
      `l = ShardRowLoader(${JSON.stringify(join(root, 'meta'))}, 40, "drop", 11)`,
      'out = []',
      'for _ in range(30):',
      '    t, g, p, s = next_rows(l, 3)',
      '    out.append([t.tolist(), g.tolist(), p.tolist(), s.tolist()])',
      'print(json.dumps({"rows": out, "cursor": l.cursor()}))',
    ].join('\n');
    const r = spawnSync(python, ['-c', script], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { rows: number[][][][]; cursor: Record<string, number> };
    const loader = new RowLoader(join(root, 'meta'), { rows: 3, t: 40, overflow: 'drop', seed: 11, shuffle: true });
    for (const [k, [tokens, targets, positions, segments]] of got.rows.entries()) {
      const b = loader.next();
      assert.deepEqual(tokens.flat(), Array.from(b.tokens), `batch ${k} tokens`);
      assert.deepEqual(targets.flat(), Array.from(b.targets), `batch ${k} targets`);
      assert.deepEqual(positions.flat(), Array.from(b.positions), `batch ${k} positions`);
      const seg = segments.flat();
      for (let i = 1; i < seg.length; i++)
        if (i % 40 !== 0)
          assert.equal(seg[i] === seg[i - 1], b.segments[i] === b.segments[i - 1], `batch ${k} segment boundary ${i}`);
    }
    assert.ok(loader.epoch > 0, 'the comparison crosses an epoch (a reshuffle)');
    assert.deepEqual(got.cursor, loader.cursor());
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
