// Loading and saving tokenizers on disk: tokenizer.json (Hugging Face) both ways, with the
// add_bos_token / add_eos_token / BOS / EOS of a tokenizer_config.json next to it; the
// vocabulary inside a GGUF file; tiktoken rank files and js-tiktoken rank modules for reading.
// Chooses the reader from the file's content and name; it does not download anything.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { GgufFile } from '../io/gguf.ts';
import { tokenizerFromGguf } from './gguf.ts';
import { fromHuggingFaceJson, toHuggingFaceJson } from './hf-json.ts';
import { parseJsTiktokenModule, parseTiktokenRankFile, tokenizerFromTiktoken } from './tiktoken.ts';
import type { SpecialToken, Tokenizer } from './tokenizer.ts';

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
  if (text.startsWith('GGUF')) {
    const file = GgufFile.open(path);
    try {
      return tokenizerFromGguf(file.metadata, path);
    } finally {
      file.close();
    }
  }
  if (/\.json$/i.test(path) || text.trimStart().startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LmlabError(`${path} is not valid JSON`);
    }
    const configPath = join(dirname(path), 'tokenizer_config.json');
    let config: Record<string, unknown> | undefined;
    if (existsSync(configPath)) {
      try {
        config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
      } catch {
        throw new LmlabError(`${configPath} is not valid JSON`);
      }
    }
    return wrap(path, () => fromHuggingFaceJson(json, { where: path, ...(config ? { config } : {}) }));
  }
  if (/\.(m?js|cjs)$/i.test(path)) return wrap(path, () => tokenizerFromTiktoken(parseJsTiktokenModule(text, path)));
  return wrap(path, () =>
    tokenizerFromTiktoken({ tokens: parseTiktokenRankFile(text, path), specials: options.specials ?? [] }),
  );
}

export async function saveTokenizer(tokenizer: Tokenizer, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, JSON.stringify(toHuggingFaceJson(tokenizer), null, 1) + '\n');
}

function wrap(path: string, load: () => Tokenizer): Tokenizer {
  try {
    return load();
  } catch (err) {
    const message = (err as Error).message;
    throw new LmlabError(message.includes(path) ? message : `${path}: ${message}`);
  }
}
