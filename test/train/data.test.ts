// Token shards, row packing and the learning-rate schedule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShardWriter, readShard, readDatasetIndex } from '../../src/train/shards.ts';
import { RowLoader } from '../../src/train/packing.ts';
import { learningRate } from '../../src/train/schedule.ts';
import { loadTrainConfig } from '../../src/train/config.ts';

const BOS = 1;
const EOS = 2;

function dataset(docLengths: number[], shardTokens = 1 << 20): string {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-data-'));
  const w = new ShardWriter(dir, 100, shardTokens);
  docLengths.forEach((len, d) => {
    // [BOS] body [EOS]; body tokens encode (document, index) so tests can trace them
    const tokens = [BOS, ...Array.from({ length: len - 2 }, (_, i) => 3 + ((d * 7 + i) % 90)), EOS];
    const mask = tokens.map((_, i) => (i === 0 ? 0 : 1));
    w.add(tokens, mask, `source-${d % 3}`);
  });
  w.finish();
  return dir;
}

test('shards round-trip documents, masks and sources', () => {
  const dir = dataset([5, 9, 3, 12], 10);
  try {
    const index = readDatasetIndex(dir);
    assert.equal(index.shards.length, 2);
    assert.deepEqual(index.sources, ['source-0', 'source-1', 'source-2']);
    const shard = readShard(join(dir, index.shards[0].file));
    assert.deepEqual([...shard.offsets], [0, 5, 14]);
    assert.equal(shard.tokens[0], BOS);
    assert.equal(shard.mask[0], 0);
    assert.equal(shard.mask[1], 1);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a truncated or foreign shard is a clear error', () => {
  const dir = dataset([5, 9]);
  try {
    const file = join(dir, readDatasetIndex(dir).shards[0].file);
    truncateSync(file, 40);
    assert.throws(() => readShard(file), /corrupted or truncated/);
    writeFileSync(file, 'hello');
    assert.throws(() => readShard(file), /not an lmlab shard/);
    assert.throws(() => readDatasetIndex(join(dir, 'nope')), /no dataset\.json/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('rows start with a document, positions restart, targets stay inside documents', () => {
  const dir = dataset([4, 3, 6, 5, 4, 7]);
  try {
    const loader = new RowLoader(dir, { rows: 2, t: 8, overflow: 'drop', seed: 1, shuffle: false });
    const b = loader.next();
    // row 0: doc0 (4 tokens) + doc1 (3) + first token of doc2 (overflow dropped)
    assert.deepEqual([...b.positions.subarray(0, 8)], [0, 1, 2, 3, 0, 1, 2, 0]);
    assert.deepEqual(
      [...b.segments.subarray(0, 8)].map((s) => s - b.segments[0]),
      [0, 0, 0, 0, 1, 1, 1, 2],
    );
    assert.equal(b.tokens[0], BOS);
    assert.equal(b.tokens[4], BOS);
    // row 1 starts with the NEXT document (doc3), not the rest of doc2
    assert.equal(b.tokens[8], BOS);
    assert.equal(b.positions[8], 0);
    // a target is the next token of the same document, never across a boundary
    for (let i = 0; i < 16; i++) {
      const sameDoc = i + 1 < 16 && (i + 1) % 8 !== 0 && b.segments[i + 1] === b.segments[i];
      if (sameDoc) assert.equal(b.targets[i], b.tokens[i + 1], `target ${i}`);
      else assert.equal(b.targets[i], -1, `target ${i} at a boundary`);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('carry mode continues an overflowing document in the next row', () => {
  const dir = dataset([6, 10]);
  try {
    const loader = new RowLoader(dir, { rows: 2, t: 8, overflow: 'carry', seed: 1, shuffle: false });
    const b = loader.next();
    // row 0: doc0 (6) + 2 tokens of doc1; row 1 starts with doc1's 3rd token at position 2
    assert.deepEqual([...b.positions.subarray(8, 12)], [2, 3, 4, 5]);
    assert.notEqual(b.tokens[8], BOS);
    assert.equal(b.targets[7], -1, 'no target across the row end');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('masked targets are excluded (metadata positions)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-data-'));
  try {
    const w = new ShardWriter(dir, 100);
    w.add([BOS, 50, 51, 10, 11, EOS], [0, 0, 0, 1, 1, 1]);
    w.finish();
    const b = new RowLoader(dir, { rows: 1, t: 6, overflow: 'drop', seed: 0, shuffle: false }).next();
    // predictions OF metadata tokens are off; the prediction of the first document token is on
    assert.deepEqual([...b.targets], [-1, -1, 10, 11, EOS, -1]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('the shuffled stream is a pure function of the seed and the cursor', () => {
  const dir = dataset(
    Array.from({ length: 40 }, (_, i) => 3 + (i % 9)),
    50,
  );
  try {
    const opts = { rows: 2, t: 6, overflow: 'drop' as const, seed: 42, shuffle: true };
    const a = new RowLoader(dir, opts);
    for (let i = 0; i < 7; i++) a.next();
    const cursor = a.cursor();
    const expected = [...a.next().tokens, ...a.next().tokens];
    const b = new RowLoader(dir, opts, cursor);
    assert.deepEqual([...b.next().tokens, ...b.next().tokens], expected);
    const other = new RowLoader(dir, { ...opts, seed: 43 });
    const first = new RowLoader(dir, opts);
    assert.notDeepEqual([...other.next().tokens], [...first.next().tokens]);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('learning rate: warm-up, cosine, floor (closed form)', () => {
  const s = { peak: 3e-3, warmupSteps: 50, totalSteps: 1000, floor: 0.1 };
  assert.equal(learningRate(s, 0), 0);
  assert.equal(learningRate(s, 25), 1.5e-3);
  assert.equal(learningRate(s, 50), 3e-3);
  assert.ok(Math.abs(learningRate(s, 1000) - 3e-4) < 1e-12);
  const at900 = 3e-3 * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * 850) / 950)));
  assert.ok(Math.abs(learningRate(s, 900) - at900) < 1e-15);
  for (let i = 51; i <= 1000; i++) assert.ok(learningRate(s, i) <= learningRate(s, i - 1));
});

test('training configs are validated with clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-cfg-'));
  try {
    const path = join(dir, 'c.json');
    const model = { vocabSize: 100, dim: 16, layers: 1, heads: 2, kvHeads: 2, ffnHidden: 32, maxSeqLen: 1024 };
    writeFileSync(path, JSON.stringify({ model, stages: [{ data: 'x' }], steps: 10, seqLen: 16 }));
    const c = loadTrainConfig(path, ['optimizer.lr=0.01', 'rows=3']);
    assert.equal(c.optimizer.lr, 0.01);
    assert.equal(c.rows, 3);
    assert.equal(c.optimizer.beta2, 0.95);
    writeFileSync(path, JSON.stringify({ model: { ...model, heads: 3 }, stages: [{ data: 'x' }], steps: 10 }));
    assert.throws(() => loadTrainConfig(path), /not divisible by heads 3/);
    writeFileSync(path, JSON.stringify({ model, stages: [{ data: 'x', until: 0.9 }], steps: 10 }));
    assert.throws(() => loadTrainConfig(path), /last stage must run to the end/);
    writeFileSync(path, JSON.stringify({ model, stages: [{ data: 'x' }], steps: 10, sequence: 5 }));
    assert.throws(() => loadTrainConfig(path), /sequence/);
    writeFileSync(path, '{ not json');
    assert.throws(() => loadTrainConfig(path), /not valid JSON/);
    assert.throws(() => loadTrainConfig(join(dir, 'missing.json')), /cannot read \(ENOENT\)/);
    assert.equal(readFileSync(path, 'utf8'), '{ not json');
  } finally {
    rmSync(dir, { recursive: true });
  }
});
