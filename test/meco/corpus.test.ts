// Corpus building: splits (disjoint, per label, held-out labels), dedup, paragraph cutting,
// stdlib mail parsing (headers stripped, list or sender as the label), user JSONL and Parquet
// corpora, and the error paths: malformed JSONL line, document without URL, missing Debian package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCorpus, cutDocument, type CorpusOptions } from '../../src/meco/experiment/corpus.ts';
import {
  type LabelledDocument,
  mailSource,
  splitMail,
  stdlibDocuments,
  userDocuments,
} from '../../src/meco/experiment/sources.ts';
import { debianDocuments, fetchDebianPackage } from '../../src/meco/experiment/debian.ts';
import { emptyStats } from '../../src/data/documents.ts';

const options: CorpusOptions = {
  seed: 1,
  evalFraction: 0.2,
  cooldownFraction: 0.2,
  holdoutLabels: ['held.org'],
  holdoutFraction: 0,
  maxChars: 0,
  limit: 0,
};

function temp(): string {
  return mkdtempSync(join(tmpdir(), 'lmlab-meco-corpus-'));
}

function readJsonl(file: string): Array<{ text: string; url: string; source: string }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

test('splits are disjoint, cover every label, hold out whole labels, and drop duplicates', async () => {
  const root = temp();
  try {
    const docs: LabelledDocument[] = [];
    for (let i = 0; i < 300; i++) {
      const source = ['a.org', 'b.org', 'held.org'][i % 3];
      docs.push({ text: `document ${i} of ${source}`, url: `https://${source}/${i}`, source });
    }
    docs.push({ text: 'Document 0 of a.org  ', url: 'https://a.org/dup', source: 'a.org' }); // same text up to case and spaces
    const m = await buildCorpus(docs, root, options);
    assert.equal(m.duplicates, 1);
    const splits = Object.fromEntries(
      ['train', 'cooldown', 'eval', 'heldout'].map((s) => [s, readJsonl(join(root, `${s}.jsonl`))]),
    );
    assert.equal(splits.heldout.length, 100);
    assert.ok(splits.heldout.every((d) => d.source === 'held.org'));
    for (const s of ['train', 'cooldown', 'eval']) {
      assert.ok(
        splits[s].every((d) => d.source !== 'held.org'),
        `${s} has no held-out label`,
      );
      assert.deepEqual(new Set(splits[s].map((d) => d.source)), new Set(['a.org', 'b.org']), `${s} covers both labels`);
    }
    const texts = [...splits.train, ...splits.cooldown, ...splits.eval, ...splits.heldout].map((d) => d.text);
    assert.equal(new Set(texts).size, texts.length, 'no document is in two splits');
    assert.equal(texts.length, 300);
    assert.ok(splits.cooldown.length > 20 && splits.cooldown.length < 60);
    assert.deepEqual(m.labels['held.org'], { heldout: 100 });
    // the split of a document depends on its text, not its position in the stream
    const again = await buildCorpus(docs.slice(0, 300).reverse(), join(root, 'again'), options);
    assert.deepEqual(again.documents, m.documents);
    assert.deepEqual(
      readJsonl(join(root, 'again', 'eval.jsonl'))
        .map((d) => d.text)
        .sort(),
      splits.eval.map((d) => d.text).sort(),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('long documents are cut at paragraph boundaries', () => {
  const text = ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(90)].join('\n\n');
  assert.deepEqual(cutDocument(text, 70), [`${'a'.repeat(30)}\n\n${'b'.repeat(30)}`, 'c'.repeat(70), 'c'.repeat(20)]);
  assert.deepEqual(cutDocument('short', 70), ['short']);
  assert.deepEqual(cutDocument(text, 0), [text]);
});

test('mail headers are stripped and the list id or sender domain becomes the label', () => {
  const raw =
    'From exmh-workers-admin@redhat.com  Thu Aug 22\nList-Id: Discussion list\n\t<exmh-workers.example.com>\nFrom: Someone <a@b.example.org>\nSubject: hi\n\nbody line 1\n\nbody line 2';
  const { headers, body } = splitMail(raw);
  assert.equal(body, 'body line 1\n\nbody line 2');
  assert.equal(mailSource(headers), 'exmh-workers.example.com');
  assert.equal(mailSource(splitMail('From: X <x@Mail.Example.NET>\n\nhello').headers), 'mail.example.net');
  assert.equal(mailSource(splitMail('Subject: none\n\nhello').headers), null);
});

test('the stdlib corpora yield labelled documents at every granularity', () => {
  const skipped: Record<string, number> = {};
  const take = (g: 'coarse' | 'medium' | 'fine') => {
    const out: LabelledDocument[] = [];
    for (const d of stdlibDocuments(g, skipped)) {
      out.push(d);
      if (out.length >= 30) break;
    }
    return out;
  };
  const fine = take('fine');
  assert.ok(
    fine.some((d) => d.source.endsWith('.sotu.local')) && fine.some((d) => d.source === 'moby-dick.books.local'),
  );
  assert.ok(
    fine.some((d) => !d.source.endsWith('.local')),
    'mail labels are list or sender domains',
  );
  for (const d of fine) assert.equal(new URL(d.url).host, d.source);
  assert.ok(
    fine
      .filter((d) => !d.source.endsWith('.local'))
      .every((d) => !/^(Received|Return-Path|From|List-Id):/m.test(d.text)),
    'no headers left in mail bodies',
  );
  assert.deepEqual(new Set(take('coarse').map((d) => d.source)), new Set(['sotu.local', 'mail.local', 'books.local']));
  assert.ok(take('medium').some((d) => d.source === 'none.sotu.local' || d.source === 'federalist.sotu.local'));
});

test('user JSONL: malformed line and missing URL stop with file:line, or are skipped and counted', async () => {
  const root = temp();
  try {
    const file = join(root, 'user.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ text: 'ok', url: 'https://a.org/1' }),
        '{"text": "broken',
        JSON.stringify({ text: 'no url' }),
        JSON.stringify({ text: 'ok 2', url: 'http://b.org/2' }),
      ].join('\n') + '\n',
    );
    const collect = async (onBadRecord: 'error' | 'skip') => {
      const stats = emptyStats();
      const out: LabelledDocument[] = [];
      for await (const d of userDocuments([file], { textField: 'text', urlField: 'url', onBadRecord, stats }))
        out.push(d);
      return { out, stats };
    };
    await assert.rejects(collect('error'), /user\.jsonl:2: not valid JSON/);
    const { out, stats } = await collect('skip');
    assert.deepEqual(
      out.map((d) => d.source),
      ['a.org', 'b.org'],
    );
    assert.deepEqual(stats.skipped, { 'malformed JSON': 1, 'no "url"': 1 });
    writeFileSync(file, JSON.stringify({ text: 'no url' }) + '\n');
    await assert.rejects(collect('error'), /user\.jsonl:1: document has no "url" \(use --skip-bad/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('user Parquet corpora are read row group by row group', async () => {
  const root = temp();
  try {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const file = join(root, 'fineweb.parquet');
    const n = 25;
    writeFileSync(
      file,
      Buffer.from(
        parquetWriteBuffer({
          columnData: [
            { name: 'text', data: Array.from({ length: n }, (_, i) => `row ${i}`), type: 'STRING' },
            {
              name: 'url',
              data: Array.from({ length: n }, (_, i) => (i === 7 ? '' : `https://s${i % 4}.com/p/${i}`)),
              type: 'STRING',
            },
            { name: 'id', data: Array.from({ length: n }, (_, i) => i), type: 'INT32' },
          ],
          rowGroupSize: 10,
        }),
      ),
    );
    const stats = emptyStats();
    const out: LabelledDocument[] = [];
    for await (const d of userDocuments([file], { textField: 'text', urlField: 'url', onBadRecord: 'skip', stats }))
      out.push(d);
    assert.equal(out.length, n - 1);
    assert.equal(out[0].text, 'row 0');
    assert.equal(out[23].text, 'row 24');
    assert.equal(out[3].source, 's3.com');
    assert.equal(stats.skipped['no "url"'], 1);
    await assert.rejects(async () => {
      for await (const _ of userDocuments([file], { textField: 'body', urlField: 'url', onBadRecord: 'skip', stats }))
        void _;
    }, /no "body" column/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Debian corpora: a missing package is a clear error or is skipped and counted; a fetched one is read and cached', async () => {
  const root = temp();
  try {
    const failing = async () => {
      throw new Error('E: Unable to locate package no-such-package-xyz');
    };
    await assert.rejects(
      fetchDebianPackage('no-such-package-xyz', root, failing),
      /Debian package no-such-package-xyz could not be downloaded with apt-get download \(E: Unable to locate package no-such-package-xyz\)/,
    );
    await assert.rejects(async () => {
      for await (const _ of debianDocuments(
        ['fortunes'],
        { cacheDir: root, granularity: 'fine', skipMissing: false, run: failing },
        {},
      ))
        void _;
    }, /Debian package fortunes could not be downloaded/);
    const skipped: Record<string, number> = {};
    for await (const _ of debianDocuments(
      ['fortunes'],
      { cacheDir: root, granularity: 'fine', skipMissing: true, run: failing },
      skipped,
    ))
      void _;
    assert.deepEqual(skipped, { 'Debian package fortunes unavailable': 1 });
    await assert.rejects(async () => {
      for await (const _ of debianDocuments(
        ['not-a-corpus'],
        { cacheDir: root, granularity: 'fine', skipMissing: true },
        {},
      ))
        void _;
    }, /no corpus reader for Debian package "not-a-corpus"/);
    // a fake download + extraction: the fortunes file is split into epigrams labelled by category
    const calls: string[] = [];
    const fake = async (command: string, args: string[], cwd: string) => {
      calls.push(command);
      if (command === 'apt-get') writeFileSync(join(cwd, 'fortunes_1.0_all.deb'), '');
      else {
        const { mkdirSync } = await import('node:fs');
        const dir = join(args[2], 'usr/share/games/fortunes');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'politics'), 'First epigram.\n%\nSecond epigram.\n%\n');
        writeFileSync(join(dir, 'politics.dat'), Buffer.from([0xff, 0x00]));
      }
    };
    const docs: LabelledDocument[] = [];
    for await (const d of debianDocuments(
      ['fortunes'],
      { cacheDir: join(root, 'ok'), granularity: 'fine', skipMissing: false, run: fake },
      {},
    ))
      docs.push(d);
    assert.deepEqual(
      docs.map((d) => [d.text, d.source]),
      [
        ['First epigram.', 'politics.fortunes.local'],
        ['Second epigram.', 'politics.fortunes.local'],
      ],
    );
    assert.deepEqual(calls, ['apt-get', 'dpkg-deb']);
    assert.ok(existsSync(join(root, 'ok', 'fortunes', 'root')));
    await fetchDebianPackage('fortunes', join(root, 'ok'), async () => {
      throw new Error('must not be called again');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
