// The command line end to end on a tiny corpus: tokenizer training, tokenizing, training,
// interruption and resume, generation and scoring — and one-line errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/lmlab.js', import.meta.url));

function lmlab(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('help, version and usage errors', () => {
  const help = lmlab('--help');
  assert.equal(help.code, 0);
  for (const cmd of ['train', 'generate', 'score', 'data', 'tokenizer', 'engine'])
    assert.match(help.out, new RegExp(`\\b${cmd}\\b`));
  assert.match(lmlab('--version').out, /^\d+\.\d+\.\d+/);
  const unknown = lmlab('frobnicate');
  assert.notEqual(unknown.code, 0);
  assert.match(unknown.err, /unknown command/);
});

test('tokenizer → shards → train → interrupt/resume → generate → score, from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-cli-'));
  try {
    const lines = [];
    for (let i = 0; i < 60; i++)
      lines.push(
        JSON.stringify({ text: `Document ${i}: the union is strong and the people are ${i % 2 ? 'free' : 'brave'}.` }),
      );
    writeFileSync(join(dir, 'corpus.jsonl'), lines.join('\n') + '\n');
    let r = lmlab(
      'tokenizer',
      'train',
      join(dir, 'corpus.jsonl'),
      '-v',
      '300',
      '-o',
      join(dir, 'tokenizer.json'),
      '-q',
    );
    assert.equal(r.code, 0, r.err);
    r = lmlab(
      'data',
      'tokenize',
      join(dir, 'corpus.jsonl'),
      '--tokenizer',
      join(dir, 'tokenizer.json'),
      '--out',
      join(dir, 'data'),
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /60 documents/);
    const config = {
      model: { vocabSize: 300, dim: 32, layers: 2, heads: 2, kvHeads: 2, ffnHidden: 64, maxSeqLen: 64 },
      stages: [{ data: join(dir, 'data') }],
      rows: 4,
      seqLen: 32,
      steps: 12,
      checkpointEvery: 0,
      evalEvery: 0,
      optimizer: { lr: 1e-2, warmup: 2 },
    };
    writeFileSync(join(dir, 'train.json'), JSON.stringify(config));
    r = lmlab('train', join(dir, 'train.json'), '--run', join(dir, 'run'), '--stop-after', '6');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /stopped at step 6/);
    r = lmlab('train', join(dir, 'train.json'), '--run', join(dir, 'run'), '--resume');
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /resuming from .*step-000006 at step 6/);
    assert.match(r.out, /finished at step 12/);
    const losses = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).loss);
    assert.equal(losses.length, 12);
    assert.ok(losses[11] < losses[0], `loss falls: ${losses[0]} → ${losses[11]}`);
    const model = join(dir, 'run', 'checkpoints', 'step-000012');
    // the checkpoint names its special tokens for other tools: config, generation and tokenizer configs
    const json = (f: string) => JSON.parse(readFileSync(join(model, f), 'utf8'));
    const ids = [json('config.json').bos_token_id, json('config.json').eos_token_id];
    assert.ok(
      ids.every((id) => Number.isInteger(id)),
      `config.json ids ${ids}`,
    );
    assert.deepEqual([json('generation_config.json').bos_token_id, json('generation_config.json').eos_token_id], ids);
    assert.equal(typeof json('tokenizer_config.json').bos_token, 'string');
    assert.equal(typeof json('tokenizer_config.json').eos_token, 'string');
    r = lmlab('generate', model, '--prompt', 'Document', '-n', '8', '--json', '-t', '0');
    assert.equal(r.code, 0, r.err);
    const g = JSON.parse(r.out);
    assert.equal(g.tokens.length, 8);
    assert.equal(typeof g.text, 'string');
    r = lmlab('score', model, '--text', 'the union is strong', '--json');
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    assert.equal(s.tokens.length, s.logprobs.length);
    assert.ok(s.logprobs.every((p: number) => p <= 0));

    // an existing run is neither overwritten nor continued by accident, and has one owner
    const metricsBefore = readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8');
    r = lmlab('train', join(dir, 'train.json'), '--run', join(dir, 'run'));
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      /^lmlab: .*run already holds a run \(metrics\.jsonl, config\.json, checkpoints\): continue it with --resume or replace it with --overwrite$/m,
    );
    assert.equal(readFileSync(join(dir, 'run', 'metrics.jsonl'), 'utf8'), metricsBefore);
    writeFileSync(join(dir, 'run', 'lock'), JSON.stringify({ pid: process.pid, host: hostname(), started: 'now' }));
    r = lmlab('train', join(dir, 'train.json'), '--run', join(dir, 'run'), '--resume');
    assert.equal(r.code, 1);
    assert.match(r.err, new RegExp(`^lmlab: run folder .*run is in use by PID ${process.pid} `, 'm'));
    rmSync(join(dir, 'run', 'lock'));

    // empty input is an error, not perplexity 1
    writeFileSync(join(dir, 'empty.jsonl'), '');
    for (const args of [
      ['--file', join(dir, 'empty.jsonl')],
      ['--text', ''],
    ]) {
      r = lmlab('score', model, ...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.err, /^lmlab: (nothing to score|score: the text is empty)/);
    }
    // one UTF-8 rule: files, prompts and arguments that are not UTF-8 are refused alike
    const bad = Buffer.from([0x61, 0x62, 0x63, 0xff, 0x64]);
    writeFileSync(join(dir, 'bad.txt'), bad);
    writeFileSync(join(dir, 'bad.jsonl'), Buffer.concat([Buffer.from('{"text": "'), bad, Buffer.from('"}\n')]));
    const notUtf8 = (name: string, offset: number) =>
      new RegExp(`^lmlab: .*${name} is not valid UTF-8 \\(first bad byte at offset ${offset}\\)\n$`);
    r = lmlab(
      'data',
      'tokenize',
      join(dir, 'bad.txt'),
      '--tokenizer',
      join(dir, 'tokenizer.json'),
      '--out',
      join(dir, 'd3'),
    );
    assert.match(r.err, notUtf8('bad\\.txt', 3));
    r = lmlab('generate', model, '--prompt-file', join(dir, 'bad.txt'), '-n', '2');
    assert.match(r.err, notUtf8('bad\\.txt', 3));
    r = lmlab('score', model, '--file', join(dir, 'bad.jsonl'));
    assert.match(r.err, notUtf8('bad\\.jsonl', 13));
    for (const flag of ['--text', '--prompt']) {
      const viaShell = spawnSync(
        'sh',
        [
          '-c',
          `exec "$0" "$1" ${flag === '--text' ? 'score' : 'generate'} "$2" ${flag} "$(printf 'abc\\377d')"`,
          process.execPath,
          bin,
          model,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(viaShell.status, 1, viaShell.stderr);
      assert.match(
        viaShell.stderr,
        /^lmlab: command-line argument .* is not valid UTF-8 \(first bad byte at offset 3\)\n$/,
      );
    }

    // a GGUF with a bad magic is called what it is
    writeFileSync(join(dir, 'broken.gguf'), Buffer.concat([Buffer.from('GGUX'), Buffer.alloc(60)]));
    r = lmlab('weights', 'inspect', join(dir, 'broken.gguf'));
    assert.match(r.err, /^lmlab: .*broken\.gguf: not a GGUF file \(bad magic\)\n$/);
    writeFileSync(join(dir, 'broken.bin'), Buffer.alloc(64, 7));
    r = lmlab('weights', 'inspect', join(dir, 'broken.bin'));
    assert.match(r.err, /^lmlab: .*broken\.bin: not a GGUF file .* nor a safetensors file/);

    // bad input: one line on stderr, non-zero exit, no stack trace
    for (const bad of [
      ['generate', model, '--prompt', 'x', '--temperature', 'hot'],
      ['generate', model, '--prompt', 'x', '--top-p', '0'],
      ['generate', join(dir, 'nope'), '--prompt', 'x'],
      ['train', join(dir, 'missing.json'), '--run', join(dir, 'r2')],
      ['train', join(dir, 'train.json'), '--run', join(dir, 'r3'), '--set', 'model.heads=3'],
      [
        'data',
        'tokenize',
        join(dir, 'nope.jsonl'),
        '--tokenizer',
        join(dir, 'tokenizer.json'),
        '--out',
        join(dir, 'd2'),
      ],
    ]) {
      const e = lmlab(...bad);
      assert.notEqual(e.code, 0, bad.join(' '));
      assert.match(e.err, /^lmlab: .+\n$/, `${bad.join(' ')} → ${e.err}`);
      assert.doesNotMatch(e.err, /\n\s+at /);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
