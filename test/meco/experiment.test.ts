// The smoke experiment end to end (tiny model, seconds): corpus from the stdlib corpora,
// tokenizer, datasets per variant, every run of the plan, evaluation and the report, then a
// second invocation that skips the finished runs. Also the CLI's one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runExperiment } from '../../src/meco/experiment/runs.ts';
import {
  MIN_TOKENS_PER_PARAMETER,
  basePlan,
  chooseFullModel,
  fullCandidates,
  planRuns,
  runConfig,
  stepsForBudget,
  totalStepMultiple,
} from '../../src/meco/experiment/plan.ts';
import { stageReads, stepsWithoutRepeat } from '../../src/meco/experiment/checks.ts';
import { parameterCount } from '../../src/model/config.ts';
import { flopsPerToken } from '../../src/model/flops.ts';
import { budgetInterval, matchingBudget, seedInterval } from '../../src/meco/experiment/stats.ts';
import { interval, writeReport } from '../../src/meco/experiment/report.ts';
import { macroLoss, summarize } from '../../src/meco/experiment/evaluate.ts';

test('smoke experiment: runs every arm, writes a labelled smoke report, resumes by skipping finished runs', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-exp-'));
  try {
    const report = join(root, 'docs', 'meco.md');
    const lines: string[] = [];
    const first = await runExperiment({
      workDir: join(root, 'work'),
      scale: 'smoke',
      reportPath: report,
      command: 'lmlab meco experiment --scale smoke',
      say: (l) => lines.push(l),
    });
    const names = first.results.map((r) => r.spec.name);
    assert.deepEqual(
      names,
      planRuns(basePlan('smoke')).map((r) => r.name),
    );
    assert.ok(names.includes('meco-s1') && names.includes('no-cooldown-s1') && names.includes('shuffled-s1'));
    for (const r of first.results) {
      assert.ok(r.none.length > 0 && r.none.every((d) => d.losses.every(Number.isFinite)), `${r.spec.name} scored`);
    }
    const meco = first.results.find((r) => r.spec.kind === 'meco')!;
    assert.ok(meco.trueLabel && meco.wrongLabel && meco.imitation);
    const text = readFileSync(report, 'utf8');
    assert.match(text, /^# MeCo reproduction — SMOKE RUN \(plumbing check, not results\)/);
    assert.match(text, /lmlab meco experiment --scale smoke/);
    for (const n of ['| 1 |', '| 2 |', '| 3 |', '| 4 |']) assert.ok(text.includes(n), `check row ${n}`);
    assert.match(text, /Data-saving estimate 1 − T\/B\*/);
    // seed-level statistics: 3 seeds per arm, intervals over seeds, B* with a bootstrap interval
    assert.deepEqual(basePlan('smoke').seeds, [1, 2, 3]);
    for (const kind of ['baseline-1T', 'meco', 'no-cooldown', 'constant', 'shuffled', 'hashed'])
      assert.equal(first.results.filter((r) => r.spec.name.startsWith(`${kind}-s`)).length, 3, kind);
    assert.match(text, /\*\*Method\.\*\* .*Student's t over those 3 per-seed differences \(df = 2\)/);
    assert.match(text, /over all 27 ordered resamples of the 3 seeds/);
    const rowOf = (start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';
    // every Δ of the MeCo row is an interval over 3 seeds with a computed side of zero (positions
    // ≥ 64 do not exist in 64-token smoke rows)
    assert.equal(
      rowOf('| meco |').match(/\[[+-][\d.]+, [+-][\d.]+\] \(3 seeds\) (lower|higher|inconclusive)/g)?.length,
      2,
    );
    // the B* row of each metric: point, bootstrap interval, saving, verdict
    assert.match(
      rowOf('| all positions |'),
      /\| (≤ |≥ )?[\d.]+T \| \[(≤ |≥ )?[\d.]+T, (≤ |≥ )?[\d.]+T\] \| .*% \[.*%, .*%\] \| (saves data|\*\*negative saving\*\*|inconclusive)/,
    );
    // the verdicts of the four checks are computed: recompute check 2's first part from the results
    const allOf = (name: string) =>
      new Map(
        first.results
          .filter((r) => r.spec.name.startsWith(`${name}-s`))
          .map((r) => [r.spec.seed, macroLoss(r.none).mean] as [number, number]),
      );
    const nc = seedInterval(allOf('no-cooldown'), allOf('baseline-1T'));
    assert.ok(rowOf('| 2 |').includes(`no-cooldown − baseline ${interval(nc)}`), rowOf('| 2 |'));
    for (const n of ['| 1 |', '| 2 |', '| 3 |', '| 4 |'])
      assert.match(rowOf(n), /\| (holds|\*\*does not hold\*\*|inconclusive) \|$/, n);
    // provenance and the computed "ruling out bugs" table
    assert.match(text, /Code: commit `([0-9a-f]{40}|unknown[^`]*)`/);
    const bugs = text.slice(text.indexOf('## Ruling out bugs'));
    assert.match(bugs, /(\d+) of \1 pass\./, bugs);
    for (const name of [
      'domain rule',
      'document layout and loss mask',
      'packing',
      'stage switch and learning rate',
      'pairing',
      'splits disjoint',
      'no document read twice',
    ])
      assert.match(bugs, new RegExp(`\\| ${name} \\| .* \\| pass \\|`), name);
    assert.match(bugs, /\| no document read twice \| .* \| 24\/24 runs read each document at most once;/);
    assert.match(bugs, /\| stage switch and learning rate \| .* switch at the planned step in 24\/24 runs/);
    assert.match(text, /No reuse within a run: 24\/24 runs read each document at most once/);
    for (const svg of ['meco-train-loss.svg', 'meco-eval-loss.svg', 'meco-budgets.svg']) {
      assert.match(readFileSync(join(root, 'docs', svg), 'utf8'), /^<svg [^>]*>[\s\S]*<polyline/);
    }
    // rendered as a real (non-smoke) scale, the Result paragraph follows the B* intervals
    const manifest = JSON.parse(readFileSync(join(root, 'work', 'corpus', 'corpus.json'), 'utf8'));
    const asSmall = join(root, 'docs', 'as-small.md');
    writeReport(asSmall, {
      command: 'x',
      saved: { ...first.saved, plan: { ...first.saved.plan, scale: 'small' } },
      manifest,
      results: first.results,
      workDir: join(root, 'work'),
      checks: [],
      provenance: { commit: 'abc', dirty: false },
    });
    const small = readFileSync(asSmall, 'utf8');
    // the runs were started from this checkout, the report written "on" commit abc: both named
    assert.match(
      small,
      /^Code: commit `abc`, clean tree \(the experiment was started from commit `[^`]+`.* and resumed on this one\)\./m,
    );
    const lossBy = (name: string, pick: (r: (typeof first.results)[number]) => number) =>
      new Map(
        first.results
          .filter((r) => r.spec.name.startsWith(`${name}-s`))
          .map((r) => [r.spec.seed, pick(r)] as [number, number]),
      );
    const sides = [
      (r: (typeof first.results)[number]) => summarize(r.none).all,
      (r: (typeof first.results)[number]) => summarize(r.kshot).all,
    ].map((pick) => {
      const bi = budgetInterval(
        new Map([0.5, 1, 2].map((b) => [b, lossBy(`baseline-${b}T`, pick)])),
        lossBy('meco', pick),
      );
      return bi.high < 1 ? 'below' : bi.low > 1 ? 'above' : 'inconclusive';
    });
    const expected = sides.every((x) => x === 'below')
      ? /\*\*Result: no data saving at this scale\.\*\*/
      : sides.every((x) => x === 'above')
        ? /\*\*Result: MeCo saves data\.\*\*/
        : /\*\*Result: (inconclusive|mixed) at 3 seeds\.\*\*/;
    assert.match(small, expected);
    assert.match(small, /0 of 0 pass\./);
    // T is lowered until the largest budget reads no document twice: at the cap every seed's
    // 2T baseline fits its datasets, one step more and some seed's does not
    const dataRoot = join(root, 'work', 'data');
    const long = { ...basePlan('smoke'), steps: 400 };
    const cap = stepsWithoutRepeat(long, dataRoot);
    assert.ok(cap > 2 && cap < 400, `cap ${cap}`);
    const fitsAt = (steps: number) =>
      planRuns({ ...long, steps })
        .filter((r) => r.kind === 'baseline' && r.budget === 2)
        .map((r) => stageReads(runConfig({ ...long, steps }, r, dataRoot)).every((x) => x.read <= x.held));
    assert.deepEqual(fitsAt(cap), [true, true, true]);
    assert.ok(fitsAt(cap + 1).includes(false));
    const reads = stageReads(runConfig(long, planRuns(long)[0], dataRoot));
    assert.equal(reads.length, 2);
    assert.ok(reads[0].read > reads[0].held, 'the uncapped plan would repeat training documents');
    // conditional inference from the command line on the MeCo checkpoint
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'lmlab.js');
    const model = join(root, 'work', 'runs', 'meco-s1', 'checkpoints', 'step-000006');
    const scored = spawnSync(
      process.execPath,
      [
        bin,
        'meco',
        'score',
        model,
        '--file',
        join(root, 'work', 'corpus', 'eval.jsonl'),
        '--per-source',
        '1',
        '--label',
        'www.example.com',
        '--max-tokens',
        '64',
        '--json',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(scored.status, 0, scored.stderr);
    const rows = scored.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(rows.length >= 2);
    for (const r of rows) {
      for (const k of ['none', 'true', 'wrong', 'given']) assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k} loss`);
      assert.notEqual(r.wrong_label, new URL(r.url).host);
      assert.equal(r.given_label, 'www.example.com');
    }
    assert.match(
      scored.stderr,
      /mean loss \(nats\/token\): none [\d.]+, true label [\d.]+, wrong label [\d.]+, "www\.example\.com" [\d.]+/,
    );
    const gen = (...extra: string[]) =>
      JSON.parse(
        spawnSync(
          process.execPath,
          [bin, 'generate', model, '--prompt', 'The', '-n', '3', '-t', '0', '--json', ...extra],
          { encoding: 'utf8', timeout: 60_000 },
        ).stdout,
      );
    const { loadTokenizer } = await import('../../src/tokenizer/index.ts');
    const tk = await loadTokenizer(join(model, 'tokenizer.json'));
    assert.equal(gen().prompt_tokens, 1 + tk.encode('The').length);
    assert.equal(
      gen('--url', 'https://en.wikipedia.org/wiki/X').prompt_tokens,
      1 + tk.encode('URL: en.wikipedia.org\n\n').length + tk.encode('The').length,
    );

    const second = await runExperiment({
      workDir: join(root, 'work'),
      scale: 'smoke',
      reportPath: report,
      command: 'again',
      say: (l) => lines.push(l),
    });
    assert.equal(lines.filter((l) => l.endsWith('done earlier, skipped')).length, names.length);
    assert.deepEqual(
      second.results.map((r) => r.none),
      first.results.map((r) => r.none),
    );
    await assert.rejects(
      runExperiment({ workDir: join(root, 'work'), scale: 'full', reportPath: report, command: 'x' }),
      /holds a smoke experiment/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('standard scale: 3 seeds per arm, training sized to about 22 minutes at 28k tokens/s', () => {
  const plan = basePlan('standard');
  assert.deepEqual(plan.seeds, [1, 2, 3]);
  assert.equal(planRuns(plan).length, 30);
  const minutes = (totalStepMultiple(plan) * plan.steps * plan.rows * plan.seqLen) / 28_000 / 60;
  assert.ok(minutes > 15 && minutes < 25, `${minutes} min`);
  assert.ok(plan.steps * plan.rows * plan.seqLen >= MIN_TOKENS_PER_PARAMETER * parameterCount(plan.model));
});

test('full-scale sizing follows the measured throughput; B* interpolation', () => {
  const plan = basePlan('full');
  const steps = stepsForBudget(plan, 1000, 7200);
  const seconds = (totalStepMultiple(plan) * steps * plan.rows * plan.seqLen) / 1000;
  assert.ok(seconds <= 0.75 * 7200 && seconds > 0.7 * 7200, `${seconds} s`);
  assert.ok(stepsForBudget(plan, 2000, 7200) >= 2 * steps - 1);
  // the model: the largest candidate reaching the tokens-per-parameter floor, else the smallest
  const flops = (c: typeof plan.model) => flopsPerToken(c, plan.seqLen);
  const candidates = fullCandidates();
  const fast = chooseFullModel(plan, 1e6, 7200, parameterCount, flops);
  assert.deepEqual(fast.model, candidates[0]);
  const slow = chooseFullModel(plan, 1, 7200, parameterCount, flops);
  assert.deepEqual(slow.model, candidates[candidates.length - 1]);
  const middle = chooseFullModel(plan, 3000, 7200, parameterCount, flops);
  const index = candidates.findIndex((c) => JSON.stringify(c) === JSON.stringify(middle.model));
  assert.ok(
    middle.steps * plan.rows * plan.seqLen >= MIN_TOKENS_PER_PARAMETER * parameterCount(middle.model) ||
      index === candidates.length - 1,
  );
  if (index > 0) {
    const bigger = candidates[index - 1];
    const t = stepsForBudget({ ...plan, model: bigger }, (3000 * flops(candidates[0])) / flops(bigger), 7200);
    assert.ok(
      t * plan.rows * plan.seqLen < MIN_TOKENS_PER_PARAMETER * parameterCount(bigger),
      'the next bigger model would fall short',
    );
  }
  const curve: Array<[number, number]> = [
    [0.5, 4],
    [1, 3.5],
    [2, 3],
  ];
  assert.ok(Math.abs(matchingBudget(curve, 3.25).budget - Math.SQRT2) < 1e-12);
  assert.deepEqual(matchingBudget(curve, 2.5), { budget: 2, bound: 'above' });
  assert.deepEqual(matchingBudget(curve, 4.5), { budget: 0.5, bound: 'below' });
});

test('CLI: corpus errors are one line on stderr, never a stack trace', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-cli-'));
  try {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'lmlab.js');
    const file = join(root, 'in.jsonl');
    writeFileSync(file, '{"text": "fine", "url": "https://a.org/"}\nnot json\n{"text": "no url"}\n');
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [bin, 'meco', 'corpus', '--no-stdlib', '--input', file, '--out', join(root, 'out'), ...args],
        { encoding: 'utf8', timeout: 60_000 },
      );
    const bad = run();
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, `lmlab: ${file}:2: not valid JSON\n`);
    const skipped = run('--skip-bad');
    assert.equal(skipped.status, 0, skipped.stderr);
    assert.match(skipped.stdout, /skipped: 1 malformed JSON, 1 no "url"/);
    assert.ok(existsSync(join(root, 'out', 'corpus.json')));
    const missing = spawnSync(
      process.execPath,
      [bin, 'meco', 'corpus', '--no-stdlib', '--debian', 'no-such-package-xyz', '--out', join(root, 'o2')],
      { encoding: 'utf8', timeout: 60_000 },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^lmlab: no corpus reader for Debian package "no-such-package-xyz" \(known: .*\)\n$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
