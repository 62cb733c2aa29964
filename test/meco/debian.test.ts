// The dict-foldoc corpus: splitting a dictd text into headword entries (wrapped lines and
// entries without a separating blank line), the first category as the label, uncategorised
// entries giving no document, category tags removed from the text, and the .dict.dz file read
// through debianDocuments with a fake download (no network). The fixture is invented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { debianDocuments, type CommandRunner } from '../../src/meco/experiment/debian.ts';
import { foldocDocuments, foldocEntries } from '../../src/meco/experiment/foldoc.ts';
import type { LabelledDocument } from '../../src/meco/experiment/sources.ts';

const FIXTURE = [
  '',
  '00-database-short',
  '     A tiny invented dictionary',
  '',
  'zorblat',
  '',
  "   /zor'blat/ <widget theory, humour> A made-up {frobnicator} that",
  '   nobody has ever seen.',
  '',
  '   (2001-02-03)',
  // no blank line after the date stamp: still a new entry, with an alias line
  'Quux Engine',
  'QE',
  '',
  '   /kwuks/ 1. {quux}.',
  '',
  '   2. <storage> A pretend disk that stores nothing, see {the',
  '(http://example.invalid/quux)}.',
  '',
  '   (2002-03-04)',
  '',
  'QE-2',
  '',
  '   {Quux Engine}',
  'plonk',
  '',
  '   Said when adding a poster to a {kill file}.  Mail the author',
  '   at <someone@example.invalid> or read',
  '   ',
  '{(http://example.invalid/plonk)}.',
  '',
  '   (2003-04-05)',
  '',
  '/dev/nowhere',
  '',
  '   <operating system> The device that swallows every byte:',
  '',
  '    <b>not a category</b>',
  '',
  '   (2004-05-06)',
  '',
].join('\n');

test('foldoc: one entry per headword, wrapped column-0 lines stay inside their entry', () => {
  const entries = foldocEntries(FIXTURE);
  assert.deepEqual(
    entries.map((e) => e.headword),
    ['zorblat', 'Quux Engine', 'QE-2', 'plonk', '/dev/nowhere'],
  );
  assert.deepEqual(
    entries.map((e) => e.categories),
    [['widget theory', 'humour'], ['storage'], [], [], ['operating system']],
  );
  assert.match(entries[1].text, /^Quux Engine\nQE\n\n/);
  assert.match(entries[1].text, /\(http:\/\/example\.invalid\/quux\)\}\.\n\n {3}\(2002-03-04\)$/);
  assert.equal(entries[2].text, 'QE-2\n\n   {Quux Engine}');
  assert.match(entries[3].text, /\{\(http:\/\/example\.invalid\/plonk\)\}\./);
});

test('foldoc: category tags leave the text, other angle brackets stay', () => {
  const [zorblat, quux, , plonk, nowhere] = foldocEntries(FIXTURE);
  assert.equal(
    zorblat.text,
    "zorblat\n\n   /zor'blat/ A made-up {frobnicator} that\n   nobody has ever seen.\n\n   (2001-02-03)",
  );
  assert.match(quux.text, /\n {3}2\. A pretend disk/);
  assert.match(plonk.text, /<someone@example\.invalid>/);
  assert.match(nowhere.text, /\n {4}<b>not a category<\/b>\n/);
  assert.doesNotMatch(nowhere.text, /<operating system>/);
});

test('foldoc: documents are labelled by the first category; uncategorised entries give none', () => {
  const docs = foldocDocuments(FIXTURE);
  assert.deepEqual(
    docs.map((d) => [d.id, d.label]),
    [
      ['zorblat', 'widget theory'],
      ['Quux Engine', 'storage'],
      ['/dev/nowhere', 'operating system'],
    ],
  );
  assert.deepEqual(foldocDocuments(''), []);
});

test('dict-foldoc through debianDocuments: the .dict.dz is gunzipped, the index ignored, the label in the domain', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lmlab-meco-debian-'));
  try {
    const fake: CommandRunner = async (command, args, cwd) => {
      if (command === 'apt-get') return writeFileSync(join(cwd, 'dict-foldoc_1_all.deb'), '');
      const dir = join(args[2], 'usr/share/dictd');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'foldoc.dict.dz'), gzipSync(FIXTURE));
      writeFileSync(join(dir, 'foldoc.index'), 'zorblat\tB\tC\n');
    };
    const read = async (granularity: 'fine' | 'medium' | 'coarse'): Promise<LabelledDocument[]> => {
      const docs: LabelledDocument[] = [];
      for await (const d of debianDocuments(
        ['dict-foldoc'],
        { cacheDir: root, granularity, skipMissing: false, run: fake },
        {},
      ))
        docs.push(d);
      return docs;
    };
    const fine = await read('fine');
    assert.deepEqual(
      fine.map((d) => d.url),
      [
        'https://widget-theory.foldoc.local/zorblat',
        'https://storage.foldoc.local/Quux%20Engine',
        'https://operating-system.foldoc.local//dev/nowhere',
      ],
    );
    assert.ok(fine[0].text.startsWith("zorblat\n\n   /zor'blat/ A made-up"));
    assert.deepEqual(
      (await read('medium')).map((d) => d.source),
      ['widget.foldoc.local', 'storage.foldoc.local', 'operating.foldoc.local'],
    );
    assert.deepEqual(new Set((await read('coarse')).map((d) => d.source)), new Set(['foldoc.local']));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
