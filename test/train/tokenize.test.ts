// The tokenizing step: corpus files (JSONL and plain text) → shards with BOS/EOS framing,
// sources from a record field, and clear errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkCounter, trainBpe } from '../../src/tokenizer/index.ts';
import { tokenizeCorpus } from '../../src/train/tokenize.ts';
import { readDatasetIndex, readShard } from '../../src/train/shards.ts';
import { emptyStats, readDocuments } from '../../src/data/documents.ts';

const counter = new ChunkCounter();
counter.add('the quick brown fox jumps over the lazy dog. ünïcödé text, numbers 12345.\n');
const { tokenizer } = trainBpe(counter, { vocabSize: 300 });

test('JSONL and text files become framed documents with sources', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-tok-'));
  try {
    mkdirSync(join(dir, 'in'));
    writeFileSync(
      join(dir, 'in', 'a.jsonl'),
      '{"text": "the fox", "site": "x.org"}\n\n{"text": "lazy dog ü", "site": "y.org"}\n',
    );
    writeFileSync(join(dir, 'in', 'b.txt'), 'numbers 12345\nand more');
    const r = await tokenizeCorpus([join(dir, 'in')], join(dir, 'out'), tokenizer, { sourceField: 'site' });
    assert.equal(r.stats.documents, 3);
    const index = readDatasetIndex(join(dir, 'out'));
    assert.deepEqual(index.sources, ['x.org', 'y.org', 'default']);
    const shard = readShard(join(dir, 'out', index.shards[0].file));
    const first = Array.from(shard.tokens.subarray(shard.offsets[0], shard.offsets[1]));
    assert.deepEqual(first, tokenizer.encodeDocument('the fox'));
    assert.equal(first[0], tokenizer.bosId);
    assert.equal(first[first.length - 1], tokenizer.eosId);
    assert.equal(shard.mask[0], 0);
    assert.equal(
      tokenizer.decode(Array.from(shard.tokens.subarray(shard.offsets[2] + 1, shard.offsets[3] - 1))),
      'numbers 12345\nand more',
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('bad input: malformed JSONL stops with the line, or is skipped and counted; non-UTF-8 names the offset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-tok-'));
  try {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"text": "ok"}\n{"text": 5}\n{broken\n{"text": "fine"}\n');
    await assert.rejects(tokenizeCorpus([bad], join(dir, 'o1'), tokenizer), /bad\.jsonl:2: expected a "text" string/);
    const stats = emptyStats();
    const docs = [];
    for await (const d of readDocuments([bad], { onBadRecord: 'skip', stats })) docs.push(d.text);
    assert.deepEqual(docs, ['ok', 'fine']);
    assert.deepEqual(stats.skipped, { 'no "text"': 1, 'malformed JSON': 1 });
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    await assert.rejects(
      tokenizeCorpus([latin1], join(dir, 'o2'), tokenizer),
      /latin1\.txt is not valid UTF-8 \(first bad byte at offset 3\)/,
    );
    await assert.rejects(tokenizeCorpus([join(dir, 'missing')], join(dir, 'o3'), tokenizer), /corpus path not found/);
    const empty = join(dir, 'empty.jsonl');
    writeFileSync(empty, '\n');
    await assert.rejects(tokenizeCorpus([empty], join(dir, 'o4'), tokenizer), /no documents found/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
