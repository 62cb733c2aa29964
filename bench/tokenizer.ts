// Tokenizer benchmark. By default: encoding speed on the bundled corpora (Moby-Dick, State of
// the Union, SpamAssassin documents taken in turn up to --corpus-mb), lmlab against
// @huggingface/tokenizers on the same tokenizer.json, for every family layout the parity tests
// use (GPT-2, cl100k, Llama 3, Qwen2, SmolLM, Llama 2, Mistral, Gemma), with the ratio per style
// and a check that both produced the same ids. With --all: every document of the three corpora
// (about 100 MB), ids and decoded text compared document by document, mismatches counted and
// the exit status non-zero if there is any — the corpus-wide parity check. With --train: also trains a byte-level BPE
// vocabulary on generated text and compares encoding with js-tiktoken on cl100k_base. Usage:
//   node --import tsx bench/tokenizer.ts [--corpus-mb 4 | --all] [--train [--mb 50] [--vocab 16000] [--encode-mb 4] [--lexicon 40000]]
// Figures are wall-clock on a shared machine: compare ratios from one run, not absolute MB/s.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import {
  ChunkCounter,
  trainBpe,
  fromHuggingFaceJson,
  fromJsTiktokenObject,
  tokenizerFromTiktoken,
} from '../src/tokenizer/index.ts';
import { SyntheticText } from '../src/tokenizer/synthetic-text.ts';
import { FAMILIES } from '../test/tokenizer/families.ts';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(value > 0)) throw new Error(`--${name} needs a positive number`);
  return value;
}

const all = process.argv.includes('--all');
const corpusMb = all ? Number.POSITIVE_INFINITY : flag('corpus-mb', 4);
const seconds0 = (start: number): number => (performance.now() - start) / 1000;

function corpusDocuments(limitBytes: number): string[] {
  const root = new URL('..', import.meta.url).pathname;
  const lists = ['datasets-moby-dick', 'datasets-sotu', 'datasets-spam-assassin'].map((name) => {
    const dir = join(root, 'node_modules', '@stdlib', name, 'data');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.isDirectory()) walk(join(d, entry.name));
        else if (!entry.name.endsWith('.json')) files.push(join(d, entry.name));
      }
    };
    walk(dir);
    return files;
  });
  const docs: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < limitBytes && lists.some((l) => i < l.length); i++) {
    for (const list of lists) {
      if (i >= list.length || bytes >= limitBytes) continue;
      const text = readFileSync(list[i], 'utf8');
      docs.push(text);
      bytes += Buffer.byteLength(text);
    }
  }
  return docs;
}

const docs = corpusDocuments(corpusMb * 1e6);
const docMb = docs.reduce((n, d) => n + Buffer.byteLength(d), 0) / 1e6;
console.log(`bundled corpora: ${docs.length} documents, ${docMb.toFixed(2)} MB${all ? ' (every document)' : ''}`);
console.log(
  'style                                      lmlab MB/s  @huggingface/tokenizers MB/s  ratio  docs with other ids / other text',
);
const sameIds = (a: number[], b: number[]): boolean => a.length === b.length && a.every((id, k) => id === b[k]);
let mismatchedDocuments = 0;
for (const family of FAMILIES) {
  const json = family.json();
  const ours = fromHuggingFaceJson(JSON.parse(JSON.stringify(json)));
  const hf = new HfTokenizer(JSON.parse(JSON.stringify(json)), {});
  const texts = family.jsDeviations ? docs.map((d) => d.replace(family.jsDeviations!, '~')) : docs;
  let start = performance.now();
  const a = texts.map((t) => ours.encode(t, { allowSpecial: true, addSpecialTokens: true }));
  const oursSeconds = seconds0(start);
  start = performance.now();
  const b = texts.map((t) => hf.encode(t).ids);
  const hfSeconds = seconds0(start);
  let otherIds = 0;
  let otherText = 0;
  for (let i = 0; i < texts.length; i++) {
    if (!sameIds(a[i], b[i])) {
      otherIds++;
      if (otherIds <= 3)
        console.log(`  ${family.name}: ids differ on document ${i}: ${JSON.stringify(texts[i].slice(0, 80))}`);
    }
    // decode is checked on every document in --all mode (the speed columns time encoding only)
    if (all && a[i].length > 0 && ours.decode(a[i]) !== hf.decode(a[i], { clean_up_tokenization_spaces: false })) {
      otherText++;
      if (otherText <= 3) console.log(`  ${family.name}: decoded text differs on document ${i}`);
    }
  }
  mismatchedDocuments += otherIds + otherText;
  console.log(
    `${family.name.padEnd(42)} ${(docMb / oursSeconds).toFixed(2).padStart(10)}  ${(docMb / hfSeconds).toFixed(2).padStart(28)}  ` +
      `${(hfSeconds / oursSeconds).toFixed(1).padStart(4)}x  ${otherIds} / ${all ? otherText : '-'}`,
  );
}
if (mismatchedDocuments > 0) {
  console.error(`bench:tokenizer: ${mismatchedDocuments} document comparison(s) differ from @huggingface/tokenizers`);
  process.exit(1);
}
if (!process.argv.includes('--train')) process.exit(0);

const trainMb = flag('mb', 50);
const vocabSize = flag('vocab', 16000);
const encodeMb = flag('encode-mb', 4);
const lexicon = flag('lexicon', 40000);
const seconds = (start: number): number => (performance.now() - start) / 1000;

let start = performance.now();
const trainText = new SyntheticText(1, lexicon).generate(trainMb * 1e6);
const trainBytes = Buffer.byteLength(trainText);
console.log(`generated ${(trainBytes / 1e6).toFixed(1)} MB of training text in ${seconds(start).toFixed(1)} s`);

start = performance.now();
const counter = new ChunkCounter();
const BLOCK = 1 << 20;
for (let at = 0; at < trainText.length; at += BLOCK) counter.add(trainText.slice(at, at + BLOCK));
const countSeconds = seconds(start);
console.log(
  `pre-split + count: ${countSeconds.toFixed(1)} s (${(trainBytes / 1e6 / countSeconds).toFixed(1)} MB/s), ` +
    `${counter.chunks} chunks, ${counter.distinct} distinct`,
);
start = performance.now();
const result = trainBpe(counter, { vocabSize });
const mergeSeconds = seconds(start);
console.log(
  `merges: ${result.merges} in ${mergeSeconds.toFixed(1)} s; total training ${(countSeconds + mergeSeconds).toFixed(1)} s ` +
    `for vocabulary ${result.tokenizer.vocabSize}`,
);

// Encode text the tokenizer did not see (another seed), so the chunk cache is realistic.
const encodeText = new SyntheticText(2, lexicon).generate(encodeMb * 1e6);
const encodeBytes = Buffer.byteLength(encodeText);
const ours = result.tokenizer;
start = performance.now();
const oursIds = ours.encode(encodeText);
const coldSeconds = seconds(start);
start = performance.now();
ours.encode(encodeText);
const warmSeconds = seconds(start);
start = performance.now();
const roundTrip = ours.decode(oursIds) === encodeText;
const decodeSeconds = seconds(start);
const rate = (s: number): string => (encodeBytes / 1e6 / s).toFixed(1);
console.log(
  `encode (trained ${vocabSize}) ${(encodeBytes / 1e6).toFixed(1)} MB: ${rate(coldSeconds)} MB/s first pass, ` +
    `${rate(warmSeconds)} MB/s warm cache; decode ${rate(decodeSeconds)} MB/s; ` +
    `${(encodeBytes / oursIds.length).toFixed(2)} bytes/token, round trip ${roundTrip ? 'exact' : 'BROKEN'}`,
);

start = performance.now();
const cl = tokenizerFromTiktoken(fromJsTiktokenObject(cl100k));
console.log(`cl100k_base load: ${seconds(start).toFixed(2)} s`);
const reference = new Tiktoken(cl100k);
const slice = encodeText.slice(0, Math.min(encodeText.length, 2e6));
const sliceMb = Buffer.byteLength(slice) / 1e6;
start = performance.now();
const a = cl.encode(slice);
const oursSeconds = seconds(start);
start = performance.now();
const b = reference.encode(slice);
const theirsSeconds = seconds(start);
const same = a.length === b.length && a.every((id, i) => id === b[i]);
console.log(
  `encode cl100k_base on ${sliceMb.toFixed(1)} MB: ours ${(sliceMb / oursSeconds).toFixed(1)} MB/s, ` +
    `js-tiktoken ${(sliceMb / theirsSeconds).toFixed(1)} MB/s (ratio ${(theirsSeconds / oursSeconds).toFixed(1)}x), ` +
    `identical ids: ${same}`,
);
