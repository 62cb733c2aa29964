// MeCo document layout, packing and schedule: mask positions, the separately tokenized
// template, rows starting with BOS, overflow dropped, block-diagonal segments with positions
// restarting, the stage switch step and the LR at the switch against the closed form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { layoutDocument, mecoFormat } from '../../src/meco/layout.ts';
import { metadataTemplate } from '../../src/meco/domain.ts';
import { tokenizeCorpus } from '../../src/train/tokenize.ts';
import { RowLoader } from '../../src/train/packing.ts';
import { stageEnds, warmupSteps } from '../../src/train/config.ts';
import { learningRate } from '../../src/train/schedule.ts';
import { train } from '../../src/train/trainer.ts';
import { mecoStages, mecoTrainConfig, BASELINE_SWITCH } from '../../src/meco/schedule.ts';
import { prepareDatasets, shuffledDomains } from '../../src/meco/experiment/prepare.ts';
import { testTokenizer } from './helpers.ts';

test('MeCo layout: BOS + metadata masked, document and EOS trained; metadata tokenized on its own', () => {
  const tk = testTokenizer();
  const text = 'Call me Ishmael.';
  const d = layoutDocument(tk, text, 'en.wikipedia.org');
  const meta = tk.encode(metadataTemplate('en.wikipedia.org'));
  const body = tk.encode(text);
  assert.deepEqual(d.tokens, [tk.bosId, ...meta, ...body, tk.eosId]);
  assert.equal(d.prefixLength, 1 + meta.length);
  assert.deepEqual(d.mask, [0, ...meta.map(() => 0), ...body.map(() => 1), 1]);
  // the first document token is a target: it is predicted from the last metadata position
  assert.equal(d.mask[d.prefixLength], 1);
  assert.equal(d.mask[d.prefixLength - 1], 0);
  // no merge across the boundary: the prefix decodes to exactly the template
  assert.equal(tk.decode(d.tokens.slice(1, d.prefixLength)), 'URL: en.wikipedia.org\n\n');
  // standard layout
  const s = layoutDocument(tk, text, null);
  assert.deepEqual(s.tokens, [tk.bosId, ...body, tk.eosId]);
  assert.deepEqual(s.mask, [0, ...body.map(() => 1), 1]);
});

function corpusFile(dir: string, docs: Array<{ text: string; url?: string }>): string {
  const file = join(dir, 'docs.jsonl');
  writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  return file;
}

test('packed MeCo rows: start with BOS, drop overflow, block-diagonal segments, positions restart, metadata never a target', async () => {
  const tk = testTokenizer();
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-'));
  try {
    const docs = [
      { text: 'From the networking subsystem.', url: 'https://networking.docs.kernel.org/a' },
      {
        text: 'Call me Ishmael. Some years ago I went to sea, never mind how long precisely, and more and more text.',
        url: 'https://moby.books.local/1',
      },
      { text: 'The Congress shall have power.', url: 'https://sotu.local/x' },
    ];
    const skipped = { missingUrl: 0 };
    await tokenizeCorpus([corpusFile(root, docs)], join(root, 'ds'), tk, {
      format: mecoFormat(tk, 'domain', { urlField: 'url' }, { skipped }),
    });
    const laid = docs.map((d) => layoutDocument(tk, d.text, new URL(d.url).host));
    const t = laid[0].tokens.length + 5; // document 1 fits, document 2 starts and overflows
    assert.ok(laid[1].tokens.length > 5, 'the second document must overflow the row');
    const loader = new RowLoader(join(root, 'ds'), { rows: 2, t, overflow: 'drop', seed: 0, shuffle: false });
    const b = loader.next();
    // row 0: doc 0 whole, then the first 5 tokens of doc 1 (the rest is dropped)
    assert.deepEqual(Array.from(b.tokens.subarray(0, t)), [...laid[0].tokens, ...laid[1].tokens.slice(0, 5)]);
    // row 1 starts with a new document (doc 2), not the dropped rest of doc 1
    assert.equal(b.tokens[t], tk.bosId);
    assert.deepEqual(Array.from(b.tokens.subarray(t, t + laid[2].tokens.length)), laid[2].tokens);
    // positions restart at 0 for every document; segments differ between documents
    const n0 = laid[0].tokens.length;
    assert.deepEqual(Array.from(b.positions.subarray(0, t)), [...laid[0].tokens.map((_, i) => i), 0, 1, 2, 3, 4]);
    assert.equal(new Set(b.segments.subarray(0, n0)).size, 1);
    assert.notEqual(b.segments[n0 - 1], b.segments[n0]);
    assert.notEqual(b.segments[t - 1], b.segments[t]);
    // targets: metadata tokens are never predicted; the first document token is; nothing crosses documents
    const p0 = laid[0].prefixLength;
    for (let i = 0; i < p0 - 1; i++) assert.equal(b.targets[i], -1, `metadata target at ${i}`);
    assert.equal(b.targets[p0 - 1], laid[0].tokens[p0]);
    assert.equal(b.targets[n0 - 2], tk.eosId); // EOS is trained
    assert.equal(b.targets[n0 - 1], -1); // no target across the document boundary
    assert.equal(skipped.missingUrl, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('documents without a URL: skipped and counted, or a clear error naming the line', async () => {
  const tk = testTokenizer();
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-'));
  try {
    const file = corpusFile(root, [
      { text: 'a doc', url: 'https://a.org/x' },
      { text: 'no url here' },
      { text: 'another', url: 'https://b.org/' },
    ]);
    const skipped = { missingUrl: 0 };
    const r = await tokenizeCorpus([file], join(root, 'ok'), tk, {
      format: mecoFormat(tk, 'domain', { urlField: 'url' }, { skipped }),
    });
    assert.equal(skipped.missingUrl, 1);
    assert.equal(
      r.shards.reduce((n, s) => n + s.documents, 0),
      2,
    );
    await assert.rejects(
      tokenizeCorpus([file], join(root, 'err'), tk, {
        format: mecoFormat(tk, 'domain', { urlField: 'url' }, { onMissingUrl: 'error' }),
      }),
      /docs\.jsonl:2: document has no "url" field/,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('shuffled labels permute the domains of the documents (same multiset, different pairing)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-'));
  try {
    const docs = Array.from({ length: 40 }, (_, i) => ({ text: `doc ${i}`, url: `https://s${i % 8}.org/${i}` }));
    const file = corpusFile(root, docs);
    const shuffled = await shuffledDomains(file, { seed: 3 });
    const original = docs.map((d) => new URL(d.url).host);
    assert.deepEqual([...shuffled].sort(), [...original].sort());
    assert.ok(shuffled.filter((s, i) => s !== original[i]).length > 20);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('schedule: stage switch at 90% of steps, LR there equals the closed form; 0 = baseline, 1 = no cooldown', async () => {
  const tk = testTokenizer();
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-'));
  try {
    const corpus = join(root, 'corpus');
    const lines = (n: number, salt: string) =>
      Array.from({ length: n }, (_, i) =>
        JSON.stringify({
          text: `Call me Ishmael ${salt} ${i}. The Congress shall have power.`,
          url: `https://s${i % 3}.org/${i}`,
        }),
      ).join('\n') + '\n';
    const { mkdirSync } = await import('node:fs');
    mkdirSync(corpus);
    writeFileSync(join(corpus, 'train.jsonl'), lines(30, 't'));
    writeFileSync(join(corpus, 'cooldown.jsonl'), lines(10, 'c'));
    writeFileSync(join(corpus, 'eval.jsonl'), lines(6, 'e'));
    const data = join(root, 'data');
    await prepareDatasets(tk, corpus, data, ['domain'], { tokenizerPath: 'unused', seed: 1 });
    const model = {
      vocabSize: tk.vocabSize,
      dim: 16,
      layers: 1,
      heads: 2,
      kvHeads: 2,
      ffnHidden: 32,
      maxSeqLen: 32,
      ropeTheta: 500000,
      normEps: 1e-5,
      tieEmbeddings: false,
    };
    const config = mecoTrainConfig({
      model,
      dataRoot: data,
      variant: 'domain',
      fraction: 0.9,
      steps: 20,
      rows: 2,
      seqLen: 32,
      seed: 1,
      evalEvery: 0,
      checkpointEvery: 0,
    });
    assert.deepEqual(stageEnds(config), [18, 20]);
    const schedule = { peak: 3e-3, warmupSteps: warmupSteps(config), totalSteps: 20, floor: 0.1 };
    assert.equal(schedule.warmupSteps, 1);
    const closedForm = (s: number) => 3e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (s - 1)) / (20 - 1))));
    assert.ok(Math.abs(learningRate(schedule, 18) - closedForm(18)) < 1e-15);
    const messages: string[] = [];
    const metrics: Array<{ step: number; stage: number; lr: number }> = [];
    await train(config, join(root, 'run'), { onMessage: (m) => messages.push(m), onStep: (m) => metrics.push(m) });
    assert.ok(
      messages.some((m) => m.startsWith('stage switch at step 18')),
      messages.join('\n'),
    );
    assert.deepEqual(
      metrics.map((m) => m.stage),
      [...Array(18).fill(0), 1, 1],
    );
    assert.ok(Math.abs(metrics[18].lr - closedForm(18)) < 1e-15, 'the first cooldown step uses lr(18)');
    assert.ok(metrics[18].lr / 3e-3 < 0.13 && metrics[18].lr / 3e-3 > 0.1);
    // the stages: metadata data then standard cooldown data; baseline and no-cooldown
    assert.equal(JSON.parse(readFileSync(join(data, 'train-domain', 'dataset.json'), 'utf8')).meta.variant, 'domain');
    assert.deepEqual(
      mecoStages(data, 'domain', 1).map((s) => s.data),
      [join(data, 'train-domain')],
    );
    const baseline = mecoStages(data, 'domain', 0);
    assert.deepEqual(
      baseline.map((s) => [s.data, s.until]),
      [
        [join(data, 'train'), BASELINE_SWITCH],
        [join(data, 'cooldown'), undefined],
      ],
    );
    assert.throws(() => mecoStages(data, 'domain', 1.5), /fraction must be in \[0, 1\]/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
