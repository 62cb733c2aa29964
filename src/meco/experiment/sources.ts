// Where labelled documents come from, each yielded as {text, url, source} with the label carried
// by the URL's domain, as in the MeCo paper:
//   - the npm-installed @stdlib corpora (read by src/data/sources.ts): State of the Union (by
//     president / party), SpamAssassin bodies (by mailing list or sender domain; headers
//     stripped, they leak the label), Moby Dick;
//   - user JSONL or Parquet files with a text field and a url field (DCLM / FineWeb / C4 style),
//     streamed (JSONL line by line, Parquet one row group at a time).
// Label granularity: coarse (the corpus), medium (party / mail group), fine (president / list).
// Not here: Debian corpora (debian.ts), dedup and splits (corpus.ts).
import { type DocumentStats, readDocuments } from '../../data/documents.ts';
import { mobyDickChapters, sotuAddresses, spamAssassinMails } from '../../data/sources.ts';
import { extractDomain } from '../domain.ts';
import { LmlabError } from '../../util/errors.ts';

export type Granularity = 'coarse' | 'medium' | 'fine';

export interface LabelledDocument {
  text: string;
  url: string;
  /** the label used for per-source evaluation (the URL's domain at the chosen granularity) */
  source: string;
}

export function parseGranularity(name: string): Granularity {
  if (name !== 'coarse' && name !== 'medium' && name !== 'fine')
    throw new LmlabError(`--granularity must be coarse, medium or fine, got "${name}"`);
  return name;
}

/** Lower-case DNS-safe slug of a name ("George W. Bush" → "george-w-bush"). */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'unnamed'
  );
}

function labelled(host: string, path: string): LabelledDocument {
  return { text: '', url: `https://${host}/${path}`, source: host };
}

const PARTY_NAMES: Record<string, string> = {
  d: 'democratic',
  r: 'republican',
  w: 'whig',
  f: 'federalist',
  dr: 'democratic-republican',
  n: 'none',
};

export function* sotuDocuments(g: Granularity): Generator<LabelledDocument> {
  for (const rec of sotuAddresses()) {
    const party = slug(PARTY_NAMES[rec.party] ?? rec.party);
    const host =
      g === 'coarse' ? 'sotu.local' : g === 'medium' ? `${party}.sotu.local` : `${slug(rec.name)}.sotu.local`;
    yield { ...labelled(host, `${rec.year}/${slug(rec.name)}`), text: rec.text };
  }
}

/** Splits a raw mail into headers (lower-cased names) and body. */
export function splitMail(raw: string): { headers: Map<string, string>; body: string } {
  const normalized = raw.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end < 0 ? normalized : normalized.slice(0, end);
  const body = end < 0 ? '' : normalized.slice(end + 2);
  const headers = new Map<string, string>();
  let current = '';
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && current) {
      headers.set(current, `${headers.get(current)} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    current = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(current)) headers.set(current, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** The mail's source: its list id host, else the sender's domain; null when neither is present. */
export function mailSource(headers: Map<string, string>): string | null {
  const listId = headers.get('list-id');
  const inBrackets = listId?.match(/<([^<>\s]+)>/);
  if (inBrackets) return inBrackets[1].toLowerCase();
  const from = headers.get('from') ?? headers.get('sender') ?? headers.get('return-path');
  const at = from?.match(/@([A-Za-z0-9.-]+)/);
  return at ? at[1].toLowerCase().replace(/\.$/, '') : null;
}

export function* spamDocuments(g: Granularity, skipped: Record<string, number>): Generator<LabelledDocument> {
  for (const mail of spamAssassinMails()) {
    const { headers, body } = splitMail(mail.text);
    const source = mailSource(headers);
    if (source === null) {
      skipped['mail without list or sender'] = (skipped['mail without list or sender'] ?? 0) + 1;
      continue;
    }
    if (body.trim().length === 0) {
      skipped['empty mail body'] = (skipped['empty mail body'] ?? 0) + 1;
      continue;
    }
    const kind = mail.group.replace(/-\d+$/, '');
    const host = g === 'coarse' ? 'mail.local' : g === 'medium' ? `${kind}.mail.local` : source;
    yield { ...labelled(host, `${mail.group}/${mail.id}`), text: body };
  }
}

export function* mobyDickDocuments(g: Granularity): Generator<LabelledDocument> {
  const host = g === 'coarse' ? 'books.local' : 'moby-dick.books.local';
  for (const chapter of mobyDickChapters())
    yield { ...labelled(host, `chapter-${chapter.chapter}`), text: chapter.text };
}

/** The three corpora interleaved document by document, so a --limit still spans all of them. */
export function* stdlibDocuments(g: Granularity, skipped: Record<string, number>): Generator<LabelledDocument> {
  const live = [sotuDocuments(g), spamDocuments(g, skipped), mobyDickDocuments(g)];
  while (live.length) {
    for (let i = 0; i < live.length; i++) {
      const next = live[i].next();
      if (next.done) live.splice(i--, 1);
      else yield next.value;
    }
  }
}

export interface UserCorpusOptions {
  textField: string;
  urlField: string;
  onBadRecord: 'error' | 'skip';
  stats: DocumentStats;
}

/** JSONL / plain files through readDocuments, Parquet row group by row group. */
export async function* userDocuments(paths: string[], o: UserCorpusOptions): AsyncGenerator<LabelledDocument> {
  const missingUrl = (where: string): void => {
    if (o.onBadRecord === 'error')
      throw new LmlabError(
        `${where}: document has no "${o.urlField}" (use --skip-bad to skip and count such documents)`,
      );
    o.stats.skipped[`no "${o.urlField}"`] = (o.stats.skipped[`no "${o.urlField}"`] ?? 0) + 1;
  };
  const parquet = paths.filter((p) => /\.parquet$/i.test(p));
  const other = paths.filter((p) => !/\.parquet$/i.test(p));
  if (other.length) {
    for await (const doc of readDocuments(other, {
      textField: o.textField,
      onBadRecord: o.onBadRecord,
      stats: o.stats,
    })) {
      const url = doc.record[o.urlField];
      if (typeof url !== 'string' || url.length === 0) {
        missingUrl(`${doc.file}:${doc.line}`);
        continue;
      }
      yield { text: doc.text, url, source: extractDomain(url) };
    }
  }
  for (const file of parquet) yield* parquetDocuments(file, o, missingUrl);
}

async function* parquetDocuments(
  file: string,
  o: UserCorpusOptions,
  missingUrl: (where: string) => void,
): AsyncGenerator<LabelledDocument> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    buffer = await asyncBufferFromFile(file);
  } catch {
    throw new LmlabError(`corpus path not found: ${file}`);
  }
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new LmlabError(`${file}: not a readable Parquet file (${(err as Error).message})`);
  }
  const names = new Set(metadata.schema.map((s) => s.name));
  for (const field of [o.textField, o.urlField])
    if (!names.has(field))
      throw new LmlabError(`${file}: no "${field}" column (columns: ${[...names].slice(1).join(', ')})`);
  o.stats.files++;
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file: buffer,
      metadata,
      columns: [o.textField, o.urlField],
      rowStart,
      rowEnd,
    });
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as Record<string, unknown>;
      const text = row[o.textField];
      const url = row[o.urlField];
      if (typeof text !== 'string' || text.length === 0) {
        if (o.onBadRecord === 'error')
          throw new LmlabError(
            `${file} row ${rowStart + i}: "${o.textField}" is not a non-empty string (use --skip-bad to skip and count)`,
          );
        o.stats.skipped['no text'] = (o.stats.skipped['no text'] ?? 0) + 1;
        continue;
      }
      if (typeof url !== 'string' || url.length === 0) {
        missingUrl(`${file} row ${rowStart + i}`);
        continue;
      }
      o.stats.documents++;
      o.stats.bytes += Buffer.byteLength(text);
      yield { text, url, source: extractDomain(url) };
    }
    rowStart = rowEnd;
  }
}
