// Corpus reading: files, JSONL and directories stream to the same chunk counts as reading the
// text whole; bad UTF-8 is reported with file and byte offset; other bad input is one line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChunkCounter, readCorpus, type CorpusStats } from '../../src/tokenizer/index.ts';
import { SyntheticText } from '../../src/tokenizer/synthetic-text.ts';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lmlab-corpus-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function collect(paths: string[], stats?: CorpusStats): Promise<string[]> {
  const texts: string[] = [];
  for await (const text of readCorpus(paths, stats)) texts.push(text);
  return texts;
}

async function rejects(paths: string[], message: RegExp): Promise<void> {
  await assert.rejects(collect(paths), (err: Error) => message.test(err.message) && !err.message.includes('\n'));
}

test('directories recurse in name order, skip hidden files, read text and JSONL', async () => {
  const root = join(dir, 'tree');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'a.txt'), '\ufeffFirst file.\n');
  writeFileSync(join(root, 'b.jsonl'), '{"text": "doc one"}\n\n{"text": "doc two", "url": "x"}\n');
  writeFileSync(join(root, 'sub', 'c.txt'), 'Nested.');
  writeFileSync(join(root, 'sub', 'd.json'), JSON.stringify({ year: 1790, text: 'Fellow-Citizens' }));
  writeFileSync(join(root, 'sub', 'e.json'), JSON.stringify([{ text: 'one' }, { text: 'two' }]));
  writeFileSync(join(root, '.hidden.txt'), 'secret');
  const stats: CorpusStats = { files: 0, bytes: 0, documents: 0 };
  assert.deepEqual(await collect([root], stats), [
    'First file.\n',
    'doc one',
    'doc two',
    'Nested.',
    'Fellow-Citizens',
    'one',
    'two',
  ]);
  assert.deepEqual({ files: stats.files, documents: stats.documents }, { files: 5, documents: 7 });
});

test('a file larger than one read block streamed in blocks gives the same chunk counts as the whole text', async () => {
  const text = new SyntheticText(4).generate(1_200_000).replace(/ba/g, 'бa中😀');
  const file = join(dir, 'big.txt');
  writeFileSync(file, text);
  const streamed = new ChunkCounter();
  const pieces = await collect([file]);
  for (const piece of pieces) streamed.add(piece);
  const whole = new ChunkCounter();
  whole.add(text);
  assert.ok(pieces.length > 1, 'the file was read in more than one block');
  assert.equal(pieces.join(''), text);
  assert.equal(streamed.chunks, whole.chunks);
  assert.deepEqual([...streamed.entries()].sort(), [...whole.entries()].sort());
});

test('non-UTF-8 input names the file and the byte offset, also across block boundaries', async () => {
  const bad = join(dir, 'latin1.txt');
  writeFileSync(bad, Buffer.from([0x61, 0x62, 0x63, 0xe9, 0x74, 0xe9]));
  await rejects([bad], /latin1\.txt is not valid UTF-8 \(first bad byte at offset 3\)/);
  const far = Buffer.alloc((1 << 20) + 10, 0x61);
  far[(1 << 20) - 1] = 0xe4; // a 3-byte lead split over the block boundary, then a bad byte
  far[1 << 20] = 0xb8;
  far[(1 << 20) + 1] = 0x41;
  writeFileSync(join(dir, 'far.txt'), far);
  await rejects([join(dir, 'far.txt')], /far\.txt .* offset 1048575\)/);
  writeFileSync(join(dir, 'cut.txt'), Buffer.from([0x61, 0xe4, 0xb8]));
  await rejects([join(dir, 'cut.txt')], /cut\.txt .* offset 1\)/);
});

test('missing paths and bad JSONL lines are one-line errors', async () => {
  await rejects([join(dir, 'nope.txt')], /corpus path not found: .*nope\.txt/);
  writeFileSync(join(dir, 'broken.jsonl'), '{"text": "ok"}\n{"text": \n');
  await rejects([join(dir, 'broken.jsonl')], /broken\.jsonl:2: not valid JSON/);
  writeFileSync(join(dir, 'notext.jsonl'), '{"body": "x"}\n');
  await rejects([join(dir, 'notext.jsonl')], /notext\.jsonl:1: expected an object with a "text" string/);
  await rejects([], /no corpus files given/);
  writeFileSync(join(dir, 'shape.json'), '[{"text": "a"}, {"body": "b"}]');
  await rejects([join(dir, 'shape.json')], /shape\.json: expected \{"text": \.\.\.\} or an array of them \(item 1\)/);
});
