// Streams DOCUMENTS (text plus the other fields of their record) from corpus files, for the
// tokenizing step and for MeCo's labelled corpora:
//   - JSONL (.jsonl/.ndjson): one JSON object per line; the text field is configurable;
//   - plain text (anything else): one document per file.
// Directories are walked in name order (hidden entries skipped). Input must be UTF-8: the first
// bad byte is reported with its file and offset. A malformed JSONL line is an error by default,
// or skipped and counted (`onBadRecord: 'skip'`). Nothing is loaded whole except one document.
// Not here: Parquet (MeCo's experiment reads it), tokenization.
import { createReadStream, promises as fs } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';
import { findInvalidUtf8, completeUtf8Prefix, notUtf8Error } from './utf8.ts';
import { LmlabError } from '../util/errors.ts';

export interface CorpusDocument {
  text: string;
  /** the whole JSON record (empty for plain-text files) */
  record: Record<string, unknown>;
  file: string;
  /** 1-based line in a JSONL file, 0 for plain text */
  line: number;
}

export interface DocumentStats {
  files: number;
  bytes: number;
  documents: number;
  /** records skipped, by reason */
  skipped: Record<string, number>;
}

export interface ReadDocumentsOptions {
  textField?: string;
  onBadRecord?: 'error' | 'skip';
  stats?: DocumentStats;
}

export function emptyStats(): DocumentStats {
  return { files: 0, bytes: 0, documents: 0, skipped: {} };
}

export async function* listCorpusFiles(path: string): AsyncGenerator<string> {
  let info: Awaited<ReturnType<typeof fs.stat>>;
  try {
    info = await fs.stat(path);
  } catch {
    throw new LmlabError(`corpus path not found: ${path}`);
  }
  if (info.isFile()) {
    yield path;
    return;
  }
  if (!info.isDirectory()) throw new LmlabError(`corpus path is neither a file nor a directory: ${path}`);
  const entries = (await fs.readdir(path)).filter((name) => !name.startsWith('.')).sort();
  for (const name of entries) yield* listCorpusFiles(join(path, name));
}

const notUtf8 = notUtf8Error;

/** Yields the lines of a UTF-8 file (without the newline), validating as it goes. */
async function* utf8Lines(file: string, stats: DocumentStats): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0;
  let pending = '';
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const usable = completeUtf8Prefix(bytes, bytes.length);
    const valid = bytes.subarray(0, usable);
    if (!isUtf8(valid)) throw notUtf8(file, offset + findInvalidUtf8(valid));
    carry = Buffer.from(bytes.subarray(usable));
    offset += usable;
    stats.bytes += usable;
    pending += valid.toString('utf8');
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      yield pending.slice(start, end);
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  if (carry.length) throw notUtf8(file, offset + Math.max(0, findInvalidUtf8(carry)));
  if (pending.length) yield pending;
}

async function readWholeText(file: string, stats: DocumentStats): Promise<string> {
  const bytes = await fs.readFile(file);
  if (!isUtf8(bytes)) throw notUtf8(file, findInvalidUtf8(bytes));
  stats.bytes += bytes.length;
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export async function* readDocuments(
  paths: readonly string[],
  options: ReadDocumentsOptions = {},
): AsyncGenerator<CorpusDocument> {
  const stats = options.stats ?? emptyStats();
  const field = options.textField ?? 'text';
  const skip = (reason: string, message: string): void => {
    if (options.onBadRecord !== 'skip') throw new LmlabError(message);
    stats.skipped[reason] = (stats.skipped[reason] ?? 0) + 1;
  };
  if (paths.length === 0) throw new LmlabError('no corpus files given');
  for (const path of paths) {
    for await (const file of listCorpusFiles(path)) {
      stats.files++;
      if (!/\.(jsonl|ndjson)$/i.test(file)) {
        const text = await readWholeText(file, stats);
        if (text.length === 0) continue;
        stats.documents++;
        yield { text, record: {}, file, line: 0 };
        continue;
      }
      let line = 0;
      for await (const raw of utf8Lines(file, stats)) {
        line++;
        if (raw.trim() === '') continue;
        let record: unknown;
        try {
          record = JSON.parse(raw);
        } catch {
          skip('malformed JSON', `${file}:${line}: not valid JSON`);
          continue;
        }
        if (typeof record !== 'object' || record === null || Array.isArray(record)) {
          skip('not an object', `${file}:${line}: expected a JSON object`);
          continue;
        }
        const text = (record as Record<string, unknown>)[field];
        if (typeof text !== 'string') {
          skip(`no "${field}"`, `${file}:${line}: expected a "${field}" string`);
          continue;
        }
        if (text.length === 0) {
          skip('empty text', `${file}:${line}: "${field}" is empty`);
          continue;
        }
        stats.documents++;
        yield { text, record: record as Record<string, unknown>, file, line };
      }
    }
  }
}
