// Smoke version of the AdaSkip evaluation: the committed recipe at toy size (3 layers, a few
// steps), then quality + speed + report end to end, every report section present. Asserts what
// must hold whatever the model learned: α = 0 changes nothing in any mode (same answers and
// losses as dense), real skipping skips FLOPs, long-answer tasks generate at least 64 tokens,
// self-speculative decoding reproduces dense greedy decoding on every evaluated prompt (the
// evaluation's own prompt set at small size), and the report names its command and commit.
// Then `lmlab generate --speculative` on the same model.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runEvaluation } from '../../src/adaskip/experiment/evaluation.ts';
import type { QualityReport } from '../../src/adaskip/experiment/quality.ts';
import { heldOutParagraphs, recipePaths, RECIPE_MODEL, runRecipe } from '../../src/adaskip/experiment/recipe.ts';
import { ALL_TASKS } from '../../src/adaskip/experiment/tasks.ts';
import { execFileSync, spawnSync } from 'node:child_process';
import { loadModelDir } from '../../src/model/load.ts';
import { latestCheckpoint } from '../../src/train/checkpoint.ts';

const bin = new URL('../../bin/lmlab.js', import.meta.url).pathname;
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
    seeds: [1],
    promptsPerTask: 1,
    promptTokens: 150,
    alphas: [0, 0.34],
    methods: ['adaskip', 'static', 'random'],
    modeMethods: ['adaskip', 'static'],
    speculative: true,
    calibrationPrompts: 4,
    perplexityPassages: 1,
    chunk: 64,
    speedContexts: [64, 128],
    speedRepeats: 1,
    referenceShape: null,
    referenceMethods: [],
    log: (line) => process.env.LMLAB_TEST_LOG && console.error(new Date().toISOString(), line),
  });
  const quality = JSON.parse(readFileSync(join(root, 'eval', 'quality.json'), 'utf8')) as QualityReport;
  const configs = 1 + 2 * (3 + 2 * 2) + 2; // dense; per α 3 methods in e2e + adaskip and static in 2 more modes; speculative per α
  const perSeed = ALL_TASKS.length; // one prompt per task
  assert.equal(quality.prompts.length, perSeed * configs, 'every configuration answers every prompt');
  const rows = (config: string) => quality.prompts.filter((r) => r.config === config);
  const dense = rows('dense');
  // α = 0 reproduces the dense answers and losses, in every mode
  for (const mode of ['prefill', 'decode', 'e2e']) {
    const nothing = rows(`adaskip ${mode} α=0`);
    assert.equal(nothing.length, dense.length);
    nothing.forEach((r, i) => {
      assert.deepEqual(r.tokens, dense[i].tokens, `${mode}: α = 0 answers as dense`);
      assert.equal(r.answerLoss, dense[i].answerLoss);
      assert.equal(r.flopShareSkipped, 0);
    });
  }
  for (const r of dense) assert.ok(Number.isFinite(r.answerLoss) && r.answerLoss > 0, `${r.task} answer loss`);
  // long-answer tasks generate at least 64 tokens; the online rule is recorded where it acted
  for (const r of quality.prompts.filter((x) => x.long)) assert.ok(r.tokens.length >= 64, `${r.config} ${r.task}`);
  for (const r of quality.prompts)
    if (r.online) assert.ok(r.method === 'adaskip' && r.mode !== 'prefill' && r.online.afterStep === 20);
  // every long AdaSkip answer with the rule on records how near it came to acting (τ vs the
  // closest running FFN), and whether it acted agrees with that record
  for (const r of quality.prompts.filter(
    (x) => x.long && x.method === 'adaskip' && x.mode !== 'prefill' && x.alpha > 0,
  )) {
    const w = r.onlineWindow;
    assert.ok(w && Number.isFinite(w.tau) && Number.isFinite(w.closestSimilarity), `${r.config} ${r.task}`);
    assert.equal(r.online !== null, w.closestSimilarity >= w.tau, `${r.config} ${r.task}`);
  }
  for (const r of quality.prompts.filter((x) => x.method !== 'adaskip' || x.mode === 'prefill'))
    assert.equal(r.onlineWindow, null, r.config);
  const skipping = rows('adaskip e2e α=0.34');
  assert.ok(
    skipping.every((r) => r.flopShareSkipped > 0.1),
    'α = 0.34 skips FLOPs on every answer',
  );
  // the speculative runs reproduce dense greedy decoding on every evaluated prompt
  const speculative = quality.prompts.filter((r) => r.method === 'speculative');
  assert.equal(speculative.length, 2 * perSeed);
  for (const r of speculative) {
    const d = dense.find((x) => x.seed === r.seed && x.prompt === r.prompt)!;
    assert.deepEqual(r.tokens, d.tokens, `speculative α=${r.alpha}, seed ${r.seed}, ${r.task}`);
    assert.equal(r.speculative!.identical, true);
  }
  assert.ok(existsSync(join(root, 'eval', 'speed-trained-shape.json')));
  const text = readFileSync(report, 'utf8');
  assert.match(text, /lmlab adaskip evaluate \(test\)/);
  assert.match(text, /Code: commit [0-9a-f]{40}|Code: commit unknown/);
  for (const section of [
    '## Long-answer tasks',
    "## AdaSkip's online rule",
    '## Modes: prefill, decode and end-to-end',
    '## Every method against AdaSkip at equal α',
    '### Matched skipped FLOPs',
    '### Matched generation time on this machine',
    '## Self-speculative decoding',
    '## Every configuration',
    '## Speed at longer contexts',
  ])
    assert.ok(text.includes(section), section);
  assert.match(text, /Output identical to dense greedy decoding on 18 of 18 prompt × α runs/);
  assert.match(
    text,
    /\| decode \| 0\.34 \| long \| \d+\/3 \| -?\d\.\d{4} \| -?\d\.\d{4} \/ -?\d\.\d{4} \(ffn \d+, \d+\/3\) \|/,
  );
  assert.match(text, /\| 0\.34 \| random \| [\d.]+ \/ [\d.]+ \| [-+]?\d+\.\d{3} ± \d+\.\d{3} \| /);
  assert.match(
    text,
    /Speed, over all tasks with its 95% interval over seeds: [^\n]*α = 0\.34: \d+\.\d{3}×, no interval \(one seed\) \(the draft alone decodes at \d+\.\d{3}× dense\)/,
  );
  assert.doesNotMatch(text, /NaN|undefined/);
  assert.ok(existsSync(join(root, 'report', 'adaskip-quality-speed.svg')));

  // lmlab generate --speculative on the same model: the dense greedy text, with the draft's statistics
  const run = (extra: string[]) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [bin, 'generate', modelDir, '--prompt', 'The pass key is', '-n', '24', '-t', '0', '--json', ...extra],
        { encoding: 'utf8' },
      ),
    );
  const plain = run([]);
  const fast = run(['--speculative', '--skip-method', 'early-exit', '--alpha', '0.34']);
  assert.deepEqual(fast.tokens, plain.tokens);
  assert.ok(fast.speculative.drafted > 0 && fast.speculative.rounds > 0);
  const noDraft = spawnSync(process.execPath, [bin, 'generate', modelDir, '--prompt', 'x', '--speculative'], {
    encoding: 'utf8',
  });
  assert.equal(noDraft.status, 1);
  assert.match(noDraft.stderr, /^lmlab: --speculative needs a draft/);
});
