// JSON files as lmlab reads them: plain or gzip-compressed (`.gz`), with the file named in every
// error (unreadable, bad gzip, malformed or truncated JSON). It does not validate the shape of
// what it reads; callers check that with their own schemas.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LmlabError } from '../util/errors.ts';

/** Parses JSON text into a value, with the file named in the error (truncated files included). */
export function parseJsonText(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LmlabError(`${where}: malformed JSON (${(err as Error).message})`);
  }
}

export function readJsonFile(path: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new LmlabError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let text: string;
  try {
    text = path.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  } catch (err) {
    throw new LmlabError(`${path}: not valid gzip (${(err as Error).message})`);
  }
  return parseJsonText(text, path);
}
