// MDS export of packed MeCo rows: the shards read back to exactly the rows the packer built
// (tokens, loss mask, restarting positions), across several shards; the file layout follows
// the MDS format (count, absolute offsets, config JSON, per-sample size headers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenizeCorpus } from '../../src/train/tokenize.ts';
import { RowLoader } from '../../src/train/packing.ts';
import { mecoFormat } from '../../src/meco/layout.ts';
import { MdsWriter, exportMds, readMds } from '../../src/meco/experiment/mds.ts';
import { testTokenizer } from './helpers.ts';

test('MDS export round-trips the packed MeCo rows', async () => {
  const tk = testTokenizer();
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-mds-'));
  try {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ text: `Call me Ishmael ${i}. ${'The Congress shall have power. '.repeat(1 + (i % 4))}`, url: `https://s${i % 5}.org/${i}` }));
    writeFileSync(join(root, 'docs.jsonl'), lines.join('\n') + '\n');
    await tokenizeCorpus([join(root, 'docs.jsonl')], join(root, 'ds'), tk, { format: mecoFormat(tk, 'domain', { urlField: 'url' }) });
    const seqLen = 48;
    const result = exportMds(join(root, 'ds'), join(root, 'mds'), seqLen, { sizeLimit: 4096 });
    assert.ok(result.shards > 1, `several shards (${result.shards})`);
    const rows = readMds(join(root, 'mds'));
    assert.equal(rows.length, result.samples);
    const loader = new RowLoader(join(root, 'ds'), { rows: 1, t: seqLen, overflow: 'drop', seed: 0, shuffle: false });
    for (let r = 0; r < rows.length; r++) {
      const b = loader.next();
      assert.deepEqual(Array.from(rows[r].inputIds), Array.from(b.tokens), `row ${r} tokens`);
      assert.deepEqual(Array.from(rows[r].positionIds), Array.from(b.positions), `row ${r} positions`);
      for (let i = 1; i < seqLen; i++) assert.equal(rows[r].lossMask[i], b.targets[i - 1] >= 0 ? 1 : 0);
      assert.equal(rows[r].inputIds[0], tk.bosId, 'every row starts with a document');
      assert.equal(rows[r].lossMask[1], 0, 'the first metadata token is not a target');
    }
    assert.equal(loader.epoch, 0, 'the export is one pass over the data');
    // format details a Python MDS reader relies on
    const index = JSON.parse(readFileSync(join(root, 'mds', 'index.json'), 'utf8'));
    assert.equal(index.version, 2);
    const info = index.shards[0];
    assert.deepEqual(info.column_names, ['input_ids', 'loss_mask', 'position_ids']);
    assert.deepEqual(info.column_encodings, ['bytes', 'bytes', 'bytes']);
    const bytes = readFileSync(join(root, 'mds', info.raw_data.basename));
    assert.equal(bytes.length, info.raw_data.bytes);
    const n = bytes.readUInt32LE(0);
    assert.equal(n, info.samples);
    assert.equal(bytes.readUInt32LE(4 + 4 * n), bytes.length, 'the last offset is the end of the file');
    const first = bytes.readUInt32LE(4);
    assert.deepEqual(JSON.parse(bytes.toString('utf8', 4 + 4 * (n + 1), first)).column_names, info.column_names);
    assert.deepEqual([bytes.readUInt32LE(first), bytes.readUInt32LE(first + 4), bytes.readUInt32LE(first + 8)], [4 * seqLen, seqLen, 4 * seqLen]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('an MDS directory without an index is a clear error', () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-mds-'));
  try {
    const w = new MdsWriter(join(root, 'x'));
    w.add({ inputIds: Int32Array.from([1, 2]), lossMask: Uint8Array.from([0, 1]), positionIds: Int32Array.from([0, 1]) });
    w.finish();
    assert.deepEqual(Array.from(readMds(join(root, 'x'))[0].inputIds), [1, 2]);
    assert.throws(() => readMds(join(root, 'missing')), /no readable MDS index\.json/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
