// Debian documentation corpora (offline text with natural source labels), fetched without installing anything: `apt-get
// download <package>` then `dpkg-deb -x` into a cache directory, reused on later runs. Each
// package knows where its texts live and which path part is the label. A package that cannot
// be downloaded is a clear one-line error naming it (or, with skipMissing, skipped and counted).
// Not here: splitting and dedup (corpus.ts). The download command is injectable so
// tests never touch the network.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { isUtf8 } from 'node:buffer';
import type { Granularity, LabelledDocument } from './sources.ts';
import { slug } from './sources.ts';
import { foldocDocuments } from './foldoc.ts';
import { LmlabError } from '../../util/errors.ts';

export interface DebianCorpus {
  package: string;
  /** the domain suffix of this corpus (coarse label) */
  domain: string;
  /** label (fine) of a file from its path relative to the extracted root, or null to ignore the file */
  labelOf(path: string): string | null;
  /** documents in one file (default: the whole file) */
  documents?(text: string, path: string): Array<{ text: string; label?: string; id: string }>;
}

export const DEBIAN_CORPORA: DebianCorpus[] = [
  {
    package: 'linux-doc-6.1',
    domain: 'docs.kernel.org',
    labelOf: (p) => p.match(/Documentation\/([^/]+)\/.*\.(rst|txt)(\.gz)?$/)?.[1] ?? null,
  },
  {
    package: 'python3.11-doc',
    domain: 'docs.python.org',
    labelOf: (p) => p.match(/_sources\/([^/]+)\/.*\.txt(\.gz)?$/)?.[1] ?? null,
  },
  {
    package: 'fortunes',
    domain: 'fortunes.local',
    labelOf: (p) => p.match(/fortunes\/([^/.]+)$/)?.[1] ?? null,
    documents: (text) =>
      text
        .split(/\n%\n/)
        .map((t, i) => ({ text: t.trim(), id: String(i + 1) }))
        .filter((d) => d.text.length > 0),
  },
  {
    package: 'manpages',
    domain: 'manpages.local',
    labelOf: (p) => {
      const m = p.match(/man\/man(\d)\/[^/]+\.gz$/);
      return m ? `section-${m[1]}` : null;
    },
  },
  {
    package: 'manpages-dev',
    domain: 'manpages.local',
    labelOf: (p) => {
      const m = p.match(/man\/man(\d)\/[^/]+\.gz$/);
      return m ? `section-${m[1]}` : null;
    },
  },
  {
    package: 'dict-foldoc',
    domain: 'foldoc.local',
    // one dictd file holds every entry; each document carries its own category label, so the
    // file-level label is never used for it
    labelOf: (p) => (/dictd\/foldoc\.dict\.dz$/.test(p) ? 'foldoc' : null),
    documents: (text) => foldocDocuments(text),
  },
  {
    package: 'wordnet-base',
    domain: 'wordnet.local',
    labelOf: (p) => (/dict\/data\.(noun|verb|adj|adv)$/.test(p) ? 'data' : null),
    // data.* lines: offset lex_filenum ss_type ... | gloss; the lexicographer file is the label
    documents: (text) =>
      text
        .split('\n')
        .filter((l) => /^\d{8} \d\d /.test(l) && l.includes(' | '))
        .map((l) => ({
          text: l.slice(l.indexOf(' | ') + 3).trim(),
          label: `lexfile-${l.slice(9, 11)}`,
          id: l.slice(0, 8),
        })),
  },
];

export type CommandRunner = (command: string, args: string[], cwd: string) => Promise<void>;

export const runCommand: CommandRunner = (command, args, cwd) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 10 * 60_000, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const why = String(stderr).trim().split('\n').pop() || err.message.split('\n')[0];
      reject(new Error(why));
    });
  });

/** Downloads and unpacks a package into cacheDir/<package>/root once; returns the root. */
export async function fetchDebianPackage(
  name: string,
  cacheDir: string,
  run: CommandRunner = runCommand,
): Promise<string> {
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name)) throw new LmlabError(`"${name}" is not a Debian package name`);
  const dir = join(cacheDir, name);
  const root = join(dir, 'root');
  if (existsSync(root)) return root;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    await run('apt-get', ['download', name], dir);
  } catch (err) {
    throw new LmlabError(
      `Debian package ${name} could not be downloaded with apt-get download (${(err as Error).message})`,
    );
  }
  const debs = readdirSync(dir).filter((f) => f.endsWith('.deb'));
  if (debs.length === 0) throw new LmlabError(`Debian package ${name}: apt-get download produced no .deb file`);
  const staging = join(dir, 'root.partial');
  try {
    await run('dpkg-deb', ['-x', debs[0], staging], dir);
  } catch (err) {
    throw new LmlabError(`Debian package ${name}: dpkg-deb -x failed (${(err as Error).message})`);
  }
  renameSync(staging, root); // only a complete extraction counts as cached
  return root;
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const info = statSync(path, { throwIfNoEntry: false });
    if (!info) continue;
    if (info.isDirectory()) yield* walk(path);
    else if (info.isFile()) yield path;
  }
}

export interface DebianOptions {
  cacheDir: string;
  granularity: Granularity;
  /** skip (and count) packages that cannot be fetched instead of stopping */
  skipMissing: boolean;
  run?: CommandRunner;
}

function hostFor(corpus: DebianCorpus, label: string, g: Granularity): string {
  if (g === 'coarse') return corpus.domain;
  const fine = slug(label);
  return `${g === 'medium' ? fine.split('-')[0] : fine}.${corpus.domain}`;
}

export async function* debianDocuments(
  packages: string[],
  o: DebianOptions,
  skipped: Record<string, number>,
): AsyncGenerator<LabelledDocument> {
  for (const name of packages) {
    const corpus = DEBIAN_CORPORA.find((c) => c.package === name);
    if (!corpus)
      throw new LmlabError(
        `no corpus reader for Debian package "${name}" (known: ${DEBIAN_CORPORA.map((c) => c.package).join(', ')})`,
      );
    let root: string;
    try {
      root = await fetchDebianPackage(name, o.cacheDir, o.run);
    } catch (err) {
      if (!o.skipMissing) throw err;
      skipped[`Debian package ${name} unavailable`] = 1;
      continue;
    }
    for (const path of walk(root)) {
      const rel = relative(root, path);
      const label = corpus.labelOf(rel);
      if (label === null) continue;
      let bytes = readFileSync(path);
      // .dz is dictzip, a gzip stream with a seek table in its header: gunzip reads it whole
      if (path.endsWith('.gz') || path.endsWith('.dz')) bytes = gunzipSync(bytes);
      if (!isUtf8(bytes)) {
        skipped['not UTF-8'] = (skipped['not UTF-8'] ?? 0) + 1;
        continue;
      }
      const text = bytes.toString('utf8');
      const docs = corpus.documents ? corpus.documents(text, rel) : [{ text, id: rel }];
      for (const d of docs) {
        if (!d.text.trim()) continue;
        const host = hostFor(corpus, d.label ?? label, o.granularity);
        yield {
          text: d.text,
          url: `https://${host}/${d.id.split('/').map(encodeURIComponent).join('/')}`,
          source: host,
        };
      }
    }
  }
}
