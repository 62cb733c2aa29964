// MDS export of packed MeCo rows, read back with a reader written from Streaming's format and the
// MeCo authors' loader logic: the authors' schema and encodings (input_ids ndarray:uint32, mask
// ndarray:uint8, indices k×2 spans), the rows the packer builds, no row dropped or repeated, and
// the stream of rows a training run consumes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenizeCorpus } from '../../src/train/tokenize.ts';
import { RowLoader } from '../../src/train/packing.ts';
import { ShardWriter } from '../../src/train/shards.ts';
import { parseTrainConfig } from '../../src/train/config.ts';
import { mecoFormat } from '../../src/meco/layout.ts';
import { MECO_COLUMNS, encodeNdarray, exportMds, exportTrainingRows } from '../../src/meco/experiment/mds.ts';
import { type NdArray, authorsItem, authorsSequences, readMdsSamples } from './mds-reader.ts';
import { testTokenizer } from './helpers.ts';

function withDir(fn: (root: string) => Promise<void> | void) {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-mds-'));
    try {
      await fn(root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

async function mecoDataset(root: string, docs = 40): Promise<string> {
  const tk = testTokenizer();
  const lines = Array.from({ length: docs }, (_, i) =>
    JSON.stringify({
      text: `Call me Ishmael ${i}. ${'The Congress shall have power. '.repeat(1 + (i % 4))}`,
      url: `https://s${i % 5}.org/${i}`,
    }),
  );
  writeFileSync(join(root, 'docs.jsonl'), lines.join('\n') + '\n');
  await tokenizeCorpus([join(root, 'docs.jsonl')], join(root, 'ds'), tk, {
    format: mecoFormat(tk, 'domain', { urlField: 'url' }),
  });
  return join(root, 'ds');
}

/** A dataset of documents with the given lengths (token i of document d is 1 + (d + i) % 50). */
function plainDataset(dir: string, lengths: number[]): void {
  const w = new ShardWriter(dir, 64, 1 << 20);
  lengths.forEach((n, d) =>
    w.add(
      Array.from({ length: n }, (_, i) => 1 + ((d + i) % 50)),
      Array.from({ length: n }, (_, i) => (i === 0 ? 0 : 1)),
    ),
  );
  w.finish();
}

const docsOf = (samples: ReturnType<typeof readMdsSamples>) =>
  samples.flatMap((s) =>
    authorsSequences(authorsItem(s)).length === 0
      ? []
      : authorsItem(s).indices.map(([a, b]) => (s.input_ids as NdArray).values.slice(a, b).join(',')),
  );

test(
  'MDS export uses the MeCo schema and reads back as the packed rows',
  withDir(async (root) => {
    const tk = testTokenizer();
    const ds = await mecoDataset(root);
    const seqLen = 48;
    const result = exportMds(ds, join(root, 'mds'), seqLen, { sizeLimit: 4096 });
    assert.ok(result.shards > 1, `several shards (${result.shards})`);
    const index = JSON.parse(readFileSync(join(root, 'mds', 'index.json'), 'utf8'));
    assert.equal(index.version, 2);
    for (const info of index.shards) {
      assert.deepEqual(info.column_names, ['domain', 'indices', 'input_ids', 'length', 'mask']);
      assert.deepEqual(info.column_encodings, ['str', 'ndarray:uint32', 'ndarray:uint32', 'uint64', 'ndarray:uint8']);
      assert.deepEqual(info.column_sizes, [null, null, null, 8, null]);
    }
    const samples = readMdsSamples(join(root, 'mds'));
    assert.equal(samples.length, result.samples);
    const loader = new RowLoader(ds, { rows: 1, t: seqLen, overflow: 'drop', seed: 0, shuffle: false });
    for (let r = 0; r < samples.length; r++) {
      const s = samples[r];
      const ids = s.input_ids as NdArray;
      const mask = s.mask as NdArray;
      assert.equal(Number(s.length), ids.values.length);
      assert.equal(s.domain, 'lmlab');
      if (r < samples.length - 1) {
        const b = loader.next();
        assert.deepEqual(ids.values, Array.from(b.tokens), `row ${r} tokens`);
        assert.deepEqual(mask.values, Array.from(b.tokenMask), `row ${r} mask`);
        // a target in lmlab's trainer is exactly a masked-in token predicted inside its span
        const item = authorsItem(s);
        for (const [a, e] of item.indices) {
          for (let i = a + 1; i < e; i++)
            assert.equal(b.targets[i - 1] >= 0, item.labels[i] !== -100, `row ${r} token ${i}`);
          assert.equal(b.positions[a], 0, 'positions restart at each span');
        }
      }
      assert.equal(ids.values[0], tk.bosId, 'every row starts with a document');
      const item = authorsItem(s);
      assert.equal(item.labels[0], -100, 'BOS is not a target');
      assert.equal(item.labels[1], -100, 'the first metadata token is not a target');
      assert.ok(item.labels.some((l) => l !== -100));
    }
  }),
);

test(
  "the authors' loader sees every document once, with its metadata masked",
  withDir(async (root) => {
    const tk = testTokenizer();
    const ds = await mecoDataset(root, 12);
    exportMds(ds, join(root, 'mds'), 4096);
    const samples = readMdsSamples(join(root, 'mds'));
    assert.equal(samples.length, 1);
    const seqs = authorsSequences(authorsItem(samples[0]));
    assert.equal(seqs.length, 12);
    for (const [i, seq] of seqs.entries()) {
      assert.equal(seq.inputIds[0], tk.bosId);
      assert.equal(seq.inputIds[seq.inputIds.length - 1], tk.eosId);
      const text = tk.decode(seq.inputIds.slice(1));
      assert.ok(text.startsWith(`URL: s${i % 5}.org\n\nCall me Ishmael ${i}.`), text);
      const firstTarget = seq.labels.findIndex((l) => l !== -100);
      assert.equal(
        tk.decode(seq.inputIds.slice(1, firstTarget)),
        `URL: s${i % 5}.org\n\n`,
        'exactly BOS + metadata are masked',
      );
    }
  }),
);

test(
  'a last row filled exactly by its last document is kept',
  withDir((root) => {
    plainDataset(join(root, 'ds'), [8, 8, 8, 8]);
    const r = exportMds(join(root, 'ds'), join(root, 'mds'), 16);
    const samples = readMdsSamples(join(root, 'mds'));
    assert.equal(r.samples, 2);
    assert.equal(samples.length, 2);
    assert.deepEqual(
      samples.map((s) => (s.indices as NdArray).values),
      [
        [0, 8, 8, 16],
        [0, 8, 8, 16],
      ],
    );
    assert.equal(new Set(docsOf(samples)).size, 4);
  }),
);

test(
  'a dataset smaller than one row is written once, not wrapped around',
  withDir((root) => {
    plainDataset(join(root, 'ds'), [5, 7, 6]);
    exportMds(join(root, 'ds'), join(root, 'mds'), 64);
    const samples = readMdsSamples(join(root, 'mds'));
    assert.equal(samples.length, 1);
    assert.equal(Number(samples[0].length), 18);
    assert.deepEqual((samples[0].indices as NdArray).values, [0, 5, 5, 12, 12, 18]);
    assert.deepEqual(docsOf(samples).length, 3);
  }),
);

test(
  'a cut document keeps its head; the next row starts with the next document',
  withDir((root) => {
    plainDataset(join(root, 'ds'), [10, 10, 3]);
    exportMds(join(root, 'ds'), join(root, 'mds'), 16);
    const samples = readMdsSamples(join(root, 'mds'));
    assert.deepEqual(
      samples.map((s) => (s.indices as NdArray).values),
      [
        [0, 10, 10, 16],
        [0, 3],
      ],
    );
  }),
);

test(
  'exportTrainingRows writes the rows the trainer consumes, in its order',
  withDir(async (root) => {
    const ds = await mecoDataset(root);
    const config = parseTrainConfig(
      {
        model: { vocabSize: 400, dim: 16, layers: 1, heads: 2, kvHeads: 1, ffnHidden: 32, maxSeqLen: 64 },
        stages: [{ data: ds }],
        rows: 3,
        seqLen: 32,
        steps: 5,
        gradAccum: 2,
        seed: 7,
      },
      'test',
    );
    const r = exportTrainingRows(config, 0, join(root, 'mds'));
    assert.equal(r.samples, 5 * 2 * 3);
    const samples = readMdsSamples(join(root, 'mds'));
    const loader = new RowLoader(ds, { rows: 3, t: 32, overflow: 'drop', seed: 7, shuffle: true });
    for (let m = 0; m < 10; m++) {
      const b = loader.next();
      for (let row = 0; row < 3; row++) {
        const s = samples[m * 3 + row];
        assert.deepEqual((s.input_ids as NdArray).values, Array.from(b.tokens.subarray(row * 32, row * 32 + 32)));
        const seg = b.segments.subarray(row * 32, row * 32 + 32);
        const starts = (s.indices as NdArray).values.filter((_, i) => i % 2 === 0);
        assert.deepEqual(
          starts,
          Array.from(seg.keys()).filter((i) => i === 0 || seg[i] !== seg[i - 1]),
        );
      }
    }
    assert.throws(() => exportTrainingRows({ ...config, overflow: 'carry' }, 0, join(root, 'x')), /overflow "drop"/);
  }),
);

test('ndarray values carry the shape byte and the smallest shape dtype', () => {
  const small = encodeNdarray(Uint32Array.from([7, 8]), [2]);
  assert.deepEqual(Array.from(small), [(1 << 2) | 0, 2, 7, 0, 0, 0, 8, 0, 0, 0]);
  const wide = encodeNdarray(new Uint8Array(300), [300]);
  assert.deepEqual(Array.from(wide.subarray(0, 3)), [(1 << 2) | 1, 300 & 255, 300 >> 8]);
  const spans = encodeNdarray(Uint32Array.from([0, 5, 5, 9]), [2, 2]);
  assert.deepEqual(Array.from(spans.subarray(0, 3)), [(2 << 2) | 0, 2, 2]);
  assert.deepEqual(
    MECO_COLUMNS.map(([n]) => n),
    [...MECO_COLUMNS.map(([n]) => n)].sort(),
  );
});
