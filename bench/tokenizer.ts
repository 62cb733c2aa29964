// Tokenizer benchmark: trains a byte-level BPE vocabulary on generated text (default 50 MB,
// 16k vocabulary) and measures encode throughput, ours against js-tiktoken with the same
// cl100k_base ranks side by side. Usage:
//   node --import tsx bench/tokenizer.ts [--mb 50] [--vocab 16000] [--encode-mb 4] [--lexicon 40000]
// (a larger --lexicon gives more distinct words, the harder case for the merge phase).
// Figures are wall-clock on a shared machine: compare ratios from one run, not absolute MB/s.
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { ChunkCounter, trainBpe, fromJsTiktokenObject, tokenizerFromTiktoken } from '../src/tokenizer/index.ts';
import { SyntheticText } from '../src/tokenizer/synthetic-text.ts';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!(value > 0)) throw new Error(`--${name} needs a positive number`);
  return value;
}

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
