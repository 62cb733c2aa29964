// Smoke version of the AdaSkip evaluation: the committed recipe at toy size (2 layers, a few
// steps), then quality + speed + report end to end. Asserts what must hold whatever the model
// learned: α = 0 changes nothing (same answers as dense, same perplexity), real skipping skips
// FLOPs, every configuration is reported per seed, and the report names its command.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runEvaluation } from '../../src/adaskip/experiment/evaluation.ts';
import type { QualityReport } from '../../src/adaskip/experiment/quality.ts';
import { heldOutParagraphs, recipePaths, RECIPE_MODEL, runRecipe } from '../../src/adaskip/experiment/recipe.ts';
import { TASKS } from '../../src/adaskip/experiment/tasks.ts';
import { loadModelDir } from '../../src/model/load.ts';
import { latestCheckpoint } from '../../src/train/checkpoint.ts';

const root = mkdtempSync(join(tmpdir(), 'lmlab-adaskip-eval-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('recipe → evaluation → report at toy size', { timeout: 120_000 }, async () => {
  const work = join(root, 'recipe');
  const { config } = await runRecipe({
    work,
    minutes: 1,
    taskDocuments: 24,
    drillDocuments: 24,
    steps: 2,
    model: { ...RECIPE_MODEL, layers: 3, maxSeqLen: 512 },
  });
  assert.equal(config.steps, 2);
  const paths = recipePaths(work);
  const modelDir = latestCheckpoint(paths.run);
  assert.ok(modelDir, 'the recipe left a checkpoint');
  const loaded = await loadModelDir(modelDir);
  const report = join(root, 'report', 'adaskip.md');
  runEvaluation({
    model: loaded.model,
    tokenizer: loaded.tokenizer!,
    paragraphs: heldOutParagraphs(paths),
    training: 'toy',
    work: join(root, 'eval'),
    reportPath: report,
    command: 'lmlab adaskip evaluate (test)',
    seeds: [1, 2],
    promptsPerTask: 1,
    promptTokens: 200,
    alphas: [0, 0.34],
    methods: ['adaskip', 'random', 'early-exit'],
    calibrationPrompts: 4,
    perplexityPassages: 1,
    chunk: 64,
    speedContexts: [64, 128],
    speedRepeats: 1,
    referenceShape: null,
    referenceMethods: [],
    log: () => {},
  });
  const quality = JSON.parse(readFileSync(join(root, 'eval', 'quality.json'), 'utf8')) as QualityReport;
  assert.equal(quality.results.length, 2 * (1 + 2 * 3), 'dense + 3 methods × 2 α, per seed');
  for (const seed of [1, 2]) {
    const dense = quality.results.find((r) => r.seed === seed && r.method === 'dense')!;
    const nothing = quality.results.find((r) => r.seed === seed && r.method === 'adaskip' && r.alpha === 0)!;
    assert.deepEqual(
      nothing.tasks.map((t) => t.agreement),
      TASKS.map(() => 1),
      'α = 0 reproduces the dense answers',
    );
    assert.equal(nothing.perplexity, dense.perplexity);
    assert.deepEqual(
      nothing.tasks.map((t) => t.answerLoss),
      dense.tasks.map((t) => t.answerLoss),
      'α = 0 reads the answers as dense does',
    );
    for (const t of dense.tasks)
      assert.ok(Number.isFinite(t.answerLoss) && t.answerLoss > 0, `${t.task} answer loss ${t.answerLoss}`);
    assert.equal(nothing.flopShareSkipped, 0);
    const skipping = quality.results.find((r) => r.seed === seed && r.method === 'adaskip' && r.alpha === 0.34)!;
    assert.ok(skipping.flopShareSkipped > 0.1, `α = 0.34 skips FLOPs (${skipping.flopShareSkipped})`);
    assert.ok(skipping.ttftMs > 0 && skipping.decodeTokensPerSecond > 0);
  }
  assert.ok(existsSync(join(root, 'eval', 'speed-trained-shape.json')));
  const text = readFileSync(report, 'utf8');
  assert.match(text, /lmlab adaskip evaluate \(test\)/);
  assert.match(text, /## Every configuration/);
  assert.match(text, /## Answer loss/);
  assert.match(
    text.split('## Answer loss')[1],
    /\n\| 0\.34 \| -?\d+\.\d{3} ± \d+\.\d{3} \|/,
    'the added answer loss of each method, with an interval over the two seeds',
  );
  assert.match(text, /\| adaskip α=0\.34 \|/);
  assert.ok(existsSync(join(root, 'report', 'adaskip-quality-speed.svg')));
});
