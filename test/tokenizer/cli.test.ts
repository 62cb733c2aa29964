// `lmlab tokenizer train|encode|decode` end to end through the real CLI entry point, and its
// one-line errors for bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smallCorpus } from './helpers.ts';

const root = new URL('../..', import.meta.url).pathname;
let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lmlab-tokcli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function lmlab(args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(root, 'bin/lmlab.js'), 'tokenizer', ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test('train on a directory, then encode and decode through the saved tokenizer.json', () => {
  writeFileSync(join(dir, 'corpus.txt'), smallCorpus());
  writeFileSync(join(dir, 'docs.jsonl'), JSON.stringify({ text: 'Привет, мир! Hello again.' }) + '\n');
  const train = lmlab(['train', dir, '--vocab-size', '420', '--output', join(dir, 'tok.json'), '--quiet']);
  assert.equal(train.status, 0, train.stderr);
  assert.match(train.stdout, /wrote .*tok\.json: vocabulary 420 \(161 merges\)/);
  const json = JSON.parse(readFileSync(join(dir, 'tok.json'), 'utf8'));
  assert.equal(json.model.merges.length, 161);
  const text = "We'll encode: 12345 中文 😀";
  const encoded = lmlab(['encode', '-t', join(dir, 'tok.json'), '--text', text]);
  assert.equal(encoded.status, 0, encoded.stderr);
  const ids = encoded.stdout.trim().split(' ');
  assert.ok(ids.length > 3 && ids.every((id) => /^\d+$/.test(id)));
  const decoded = lmlab(['decode', '-t', join(dir, 'tok.json')], encoded.stdout);
  assert.equal(decoded.status, 0, decoded.stderr);
  assert.equal(decoded.stdout, text);
});

test('bad input gives one-line errors and a non-zero exit', () => {
  writeFileSync(join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  writeFileSync(join(dir, 'empty.txt'), '');
  const cases: Array<[string[], RegExp]> = [
    [['train', 'latin1.txt', '-q'], /^lmlab: latin1\.txt is not valid UTF-8 \(first bad byte at offset 3\)\n$/],
    [['train', 'empty.txt', '-q'], /^lmlab: the corpus is empty: empty\.txt hold no text\n$/],
    [
      ['train', 'empty.txt', '--vocab-size', '200'],
      /^lmlab: --vocab-size 200 is smaller than 256 byte tokens \+ 3 special tokens = 259\n$/,
    ],
    [['decode', '-t', 'nope.json', '1'], /^lmlab: tokenizer file not found: nope\.json\n$/],
    [
      ['encode', '-t', 'tok.json', 'latin1.txt'],
      /^lmlab: latin1\.txt is not valid UTF-8 \(first bad byte at offset 3\)\n$/,
    ],
  ];
  for (const [args, message] of cases) {
    const run = lmlab(args);
    assert.notEqual(run.status, 0, args.join(' '));
    assert.match(run.stderr, message);
  }
});

test('inspect, encode and decode a SentencePiece-style tokenizer.json and a GGUF vocabulary', async () => {
  const { llama2Json, smollmJson } = await import('./families.ts');
  const { ggufTokenizerFromHf } = await import('../../src/io/hf-tokenizer.ts');
  const { setGgufVocabulary } = await import('../../src/io/gguf-vocab.ts');
  const { writeGguf } = await import('../../src/io/gguf.ts');
  const json = join(dir, 'llama2.json');
  writeFileSync(json, JSON.stringify(llama2Json()));
  const inspect = lmlab(['inspect', '-t', json]);
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.match(inspect.stdout, /^normalizer: Sequence\[Prepend\("▁"\), Replace\(" " → "▁"\)\]$/m);
  assert.match(inspect.stdout, /^pre_tokenizer: none$/m);
  assert.match(
    inspect.stdout,
    /^model: BPE \(characters, \d+ tokens, \d+ merges, byte fallback, unk "<unk>" fused\)$/m,
  );
  assert.match(
    inspect.stdout,
    /^decoder: Sequence\[Replace\("▁" → " "\), ByteFallback, Fuse, Strip\(" " start 1 stop 0\)\]$/m,
  );
  const text = 'Hello there, 12345 ✓ 中文';
  const encoded = lmlab(['encode', '-t', json, '--add-special-tokens', '--text', text]);
  assert.equal(encoded.status, 0, encoded.stderr);
  assert.equal(encoded.stdout.split(' ')[0], '1'); // <s> from the template
  const decoded = lmlab(['decode', '-t', json], encoded.stdout.split(' ').slice(1).join(' '));
  assert.equal(decoded.stdout, text);

  const meta = new Map();
  const u32 = (value: number) => ({ type: 'u32' as const, value });
  meta.set('general.architecture', { type: 'string', value: 'llama' });
  meta.set('llama.context_length', u32(64));
  const data = ggufTokenizerFromHf(smollmJson(), { vocabSize: 704 });
  setGgufVocabulary(meta, data, 704);
  const gguf = join(dir, 'vocab.gguf');
  writeGguf(gguf, meta, []);
  const ggufInspect = lmlab(['inspect', '-t', gguf]);
  assert.equal(ggufInspect.status, 0, ggufInspect.stderr);
  assert.match(ggufInspect.stdout, /^model: GGUF gpt2 \(byte-level BPE, 704 tokens, \d+ merges\)$/m);
  assert.match(ggufInspect.stdout, /^pre_tokenizer: llama\.cpp "smollm": "\\\\p\{N\}", then /m);
  const ids = lmlab(['encode', '-t', gguf, '--text', text]);
  assert.equal(lmlab(['decode', '-t', gguf], ids.stdout).stdout, text);

  writeFileSync(join(dir, 'bert.json'), JSON.stringify({ ...llama2Json(), normalizer: { type: 'BertNormalizer' } }));
  const bad = lmlab(['inspect', '-t', join(dir, 'bert.json')]);
  assert.notEqual(bad.status, 0);
  assert.match(
    bad.stderr,
    /^lmlab: .*bert\.json: normalizer BertNormalizer is not supported \(supported: NFC, NFD, NFKC, NFKD, Prepend, Replace, Strip, Lowercase, Sequence\)\n$/,
  );
});
