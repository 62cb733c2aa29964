// `lmlab tokenizer train|encode|decode`: train a byte-level BPE tokenizer on text files and
// directories (plain text or JSONL with a "text" field) and inspect what it does to text.
// The commands only parse arguments and print; the work lives in src/tokenizer/.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { LmlabError } from './errors.ts';
import {
  ChunkCounter,
  DEFAULT_SPECIALS,
  describeTokenizer,
  loadTokenizer,
  readCorpus,
  saveTokenizer,
  trainBpe,
  type CorpusStats,
  type SpecialToken,
  type Tokenizer,
} from '../tokenizer/index.ts';
import { decodeUtf8Strict, findInvalidUtf8 } from '../data/utf8.ts';
import { integerFlag } from './flags.ts';

interface TrainFlags {
  vocabSize: string;
  output: string;
  minFrequency: string;
  bos: string;
  eos: string;
  pad: string;
  special: string[];
  quiet?: boolean;
}

interface LoadFlags {
  tokenizer: string;
  special: string[];
}

export function registerTokenizerCommands(program: Command): void {
  const tokenizer = program
    .command('tokenizer')
    .description('train byte-level BPE tokenizers; encode, decode and inspect tokenizer.json, GGUF and tiktoken files');

  tokenizer
    .command('train')
    .description('train a byte-level BPE tokenizer (GPT-4 pre-split) and save it as tokenizer.json')
    .argument(
      '<paths...>',
      'text files, JSONL ({"text": ...} per line), JSON ({"text": ...} or an array) or directories',
    )
    .option('-v, --vocab-size <n>', 'total vocabulary size: 256 bytes + merges + special tokens', '16000')
    .option('-o, --output <file>', 'where to write tokenizer.json', 'tokenizer.json')
    .option('--min-frequency <n>', 'never merge a pair seen fewer times than this', '2')
    .option('--bos <token>', 'beginning-of-document token', DEFAULT_SPECIALS.bos)
    .option('--eos <token>', 'end-of-document token', DEFAULT_SPECIALS.eos)
    .option('--pad <token>', 'padding token', DEFAULT_SPECIALS.pad)
    .option('--special <token...>', 'further special tokens', [])
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (paths: string[], flags: TrainFlags) => {
      await runTrain(paths, flags);
    });

  tokenizer
    .command('encode')
    .description('print the token ids of text (from --text, files, or standard input)')
    .requiredOption(
      '-t, --tokenizer <file>',
      'tokenizer.json, GGUF file, tiktoken rank file or js-tiktoken rank module',
    )
    .option('--text <text>', 'text to encode instead of files or standard input')
    .option('--allow-special', 'recognise special token strings in the text')
    .option('--add-special-tokens', "add the tokenizer's own special tokens around the text (e.g. BOS)")
    .option('--tokens', 'print one token per line: id, then the token text as JSON')
    .option('--special <name=id...>', 'special tokens of a tiktoken rank file', [])
    .argument('[files...]', 'UTF-8 files to encode (default: standard input)')
    .action(
      async (
        files: string[],
        flags: LoadFlags & { text?: string; allowSpecial?: boolean; addSpecialTokens?: boolean; tokens?: boolean },
      ) => {
        const tok = await load(flags);
        const text = flags.text ?? (await readInput(files));
        const ids = tok.encode(text, {
          allowSpecial: flags.allowSpecial === true,
          addSpecialTokens: flags.addSpecialTokens === true,
        });
        if (flags.tokens) {
          for (const id of ids) console.log(`${id}\t${JSON.stringify(new TextDecoder().decode(tok.tokenBytes(id)))}`);
        } else {
          console.log(ids.join(' '));
        }
        process.stderr.write(`${ids.length} tokens, ${Buffer.byteLength(text)} bytes\n`);
      },
    );

  tokenizer
    .command('inspect')
    .description('say which normalizer, pre-tokenizer, model, decoder and post-processor a tokenizer uses')
    .requiredOption(
      '-t, --tokenizer <file>',
      'tokenizer.json, GGUF file, tiktoken rank file or js-tiktoken rank module',
    )
    .option('--special <name=id...>', 'special tokens of a tiktoken rank file', [])
    .action(async (flags: LoadFlags) => {
      const tok = await load(flags);
      for (const line of describeTokenizer(tok)) console.log(line);
    });

  tokenizer
    .command('decode')
    .description('print the text of token ids (arguments, or whitespace-separated on standard input)')
    .requiredOption(
      '-t, --tokenizer <file>',
      'tokenizer.json, GGUF file, tiktoken rank file or js-tiktoken rank module',
    )
    .option('--special <name=id...>', 'special tokens of a tiktoken rank file', [])
    .argument('[ids...]', 'token ids')
    .action(async (args: string[], flags: LoadFlags) => {
      const tok = await load(flags);
      const words = args.length > 0 ? args : (await readInput([])).split(/\s+/).filter(Boolean);
      const ids = words.map((word) => {
        const id = Number(word);
        if (!Number.isInteger(id) || id < 0) throw new LmlabError(`not a token id: ${JSON.stringify(word)}`);
        return id;
      });
      process.stdout.write(tok.decode(ids));
    });
}

async function runTrain(paths: string[], flags: TrainFlags): Promise<void> {
  const vocabSize = integerFlag('--vocab-size', flags.vocabSize, 1);
  const minFrequency = integerFlag('--min-frequency', flags.minFrequency, 1);
  const log = (line: string): void => {
    if (!flags.quiet) process.stderr.write(line + '\n');
  };
  const minimum = 256 + 3 + flags.special.length;
  if (vocabSize < minimum) {
    throw new LmlabError(
      `--vocab-size ${vocabSize} is smaller than 256 byte tokens + ${minimum - 256} special tokens = ${minimum}`,
    );
  }
  const started = performance.now();
  const stats: CorpusStats = { files: 0, bytes: 0, documents: 0 };
  const counter = new ChunkCounter();
  for await (const text of readCorpus(paths, stats)) counter.add(text);
  if (counter.chunks === 0) throw new LmlabError(`the corpus is empty: ${paths.join(', ')} hold no text`);
  const counted = performance.now();
  const megabytes = stats.bytes / 1e6;
  log(
    `read ${stats.files} files, ${megabytes.toFixed(2)} MB, ${stats.documents} documents: ` +
      `${counter.chunks} chunks, ${counter.distinct} distinct (${secondsSince(started)} s)`,
  );
  const result = trainBpe(counter, {
    vocabSize,
    minFrequency,
    bosToken: flags.bos,
    eosToken: flags.eos,
    padToken: flags.pad,
    extraSpecialTokens: flags.special,
    onProgress: (done, target) => log(`merges ${done}/${target}`),
  });
  await saveTokenizer(result.tokenizer, flags.output);
  const total = (performance.now() - started) / 1000;
  console.log(
    `wrote ${flags.output}: vocabulary ${result.tokenizer.vocabSize} (${result.merges} merges` +
      `${result.stoppedEarly ? `, stopped early: no pair seen ${minFrequency}+ times` : ''}), ` +
      `${megabytes.toFixed(2)} MB in ${total.toFixed(1)} s (counting ${((counted - started) / 1000).toFixed(1)} s, ` +
      `merging ${(total - (counted - started) / 1000).toFixed(1)} s)`,
  );
}

async function load(flags: LoadFlags): Promise<Tokenizer> {
  const specials: SpecialToken[] = flags.special.map((entry) => {
    const at = entry.lastIndexOf('=');
    const id = Number(entry.slice(at + 1));
    if (at <= 0 || !Number.isInteger(id) || id < 0)
      throw new LmlabError(`--special expects name=id, got ${JSON.stringify(entry)}`);
    return { content: entry.slice(0, at), id };
  });
  return loadTokenizer(flags.tokenizer, { specials });
}

async function readInput(files: string[]): Promise<string> {
  if (files.length === 0) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
    return decodeUtf8Strict(Buffer.concat(chunks), 'standard input');
  }
  const texts: string[] = [];
  for (const file of files) {
    const bytes = await readFile(file).catch(() => {
      throw new LmlabError(`file not found: ${file}`);
    });
    texts.push(decodeUtf8Strict(bytes, file));
  }
  return texts.join('');
}

function secondsSince(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(1);
}
