// Loading and saving tokenizers on disk: tokenizer.json (Hugging Face) both ways, tiktoken
// rank files and js-tiktoken rank modules for reading. Chooses the reader from the file's
// content and name; it does not download anything.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fromHuggingFaceJson } from './hf-json.ts';
import { parseJsTiktokenModule, parseTiktokenRankFile, tokenizerFromTiktoken } from './tiktoken.ts';
import type { SpecialToken, Tokenizer } from './tokenizer.ts';
import { LmlabError } from '../util/errors.ts';

export interface LoadOptions {
  /** Special tokens for a tiktoken rank file, which does not list them. */
  specials?: SpecialToken[];
}

export async function loadTokenizer(path: string, options: LoadOptions = {}): Promise<Tokenizer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new LmlabError(`tokenizer file not found: ${path}`);
  }
  if (/\.json$/i.test(path) || text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LmlabError(`${path} is not valid JSON`);
    }
    return wrap(path, () => fromHuggingFaceJson(json));
  }
  if (/\.(m?js|cjs)$/i.test(path)) return wrap(path, () => tokenizerFromTiktoken(parseJsTiktokenModule(text, path)));
  return wrap(path, () =>
    tokenizerFromTiktoken({ tokens: parseTiktokenRankFile(text, path), specials: options.specials ?? [] }),
  );
}

export async function saveTokenizer(tokenizer: Tokenizer, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(tokenizer.toHuggingFaceJson(), null, 1) + '\n');
}

function wrap(path: string, load: () => Tokenizer): Tokenizer {
  try {
    return load();
  } catch (err) {
    const message = (err as Error).message;
    throw new LmlabError(message.includes(path) ? message : `${path}: ${message}`);
  }
}
