// Shared inputs for the tokenizer tests: a varied text that exercises every branch of the
// GPT-4 pre-split (contractions, digit groups, whitespace runs, scripts, emoji, combining
// marks), random Unicode strings, and a small trained tokenizer.
import { Rng } from '../../src/util/rng.ts';
import { ChunkCounter, trainBpe, type Tokenizer } from '../../src/tokenizer/index.ts';

export const VARIED_TEXT = [
  "Hello, world! It's a test: we'll see, they've said; I'm sure you'd agree. DON'T SHOUT, I'LL HEAR, WE'RE 'S",
  'Numbers: 1 12 123 1234 12345 1234567890 3.14159 1,000,000 -42 +7 0x1F 1e-9 ٣٤٥ ½ ² Ⅻ',
  'Whitespace:  two   three    four\ttab\t\ttabs  \n  indented\n\n\nthree newlines \r\nwindows\r\n  trailing   ',
  'def fib(n: int) -> int:\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)  # recursion\n',
  'const x = {"a": [1, 2, 3], "b": null}; x?.a ?? y; a !== b && c || d;\n\t\tfoo->bar(); i++; /* comment */',
  'Emoji: 😀 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ 🏳️‍🌈 ✨✨✨',
  'CJK: 日本語のテキストです。中文文本，包括标点。한국어 텍스트입니다.',
  'Arabic: مرحبا بالعالم، هذا نص عربي. Hebrew: שלום עולם. Hindi: नमस्ते दुनिया। Thai: สวัสดีชาวโลก',
  'Greek: Καλημέρα κόσμε. Cyrillic: Привет, мир! Combining: e\u0301 a\u0308 n\u0303 Z\u0335\u0321a\u0337lgo',
  'Mixed: café naïve résumé über straße ÆØÅ ŁÓDŹ \'quoted\' "double" «guillemets» — dash – en … ellipsis',
  'URL https://en.wikipedia.org/wiki/Bill_Gates?x=1&y=2#top and e-mail a.b@example.com, path C:\\Users\\x',
  'Math: ∑ᵢ xᵢ² ≤ ∞, ∀x ∈ ℝ: x ≥ 0 → √x; 𝔸𝔹ℂ 𝑥𝑦𝑧 𝟘𝟙𝟚',
  '   \n\n   \t\n',
].join('\n');

/** Random strings drawn from pieces that stress splitting, UTF-8 and merging. */
export function randomUnicode(rng: Rng, pieces: number): string {
  const alphabet = [
    'a',
    'b',
    'Z',
    'é',
    'ß',
    '中',
    '文',
    'ا',
    'ب',
    'к',
    'α',
    '😀',
    '👍🏽',
    '\u0301',
    '1',
    '23',
    '٣',
    '½',
    ' ',
    '  ',
    '\t',
    '\n',
    '\r\n',
    "'",
    "'s",
    "'LL",
    '!',
    '.',
    '(',
    '"',
    '\u3000',
    '\u00a0',
    '\u200d',
    '\ufeff',
    '\u0085',
    '𝑥',
    '\u{10ffff}',
    '\u0000',
    '\u007f',
    'the',
    ' the',
    'ing',
  ];
  let out = '';
  for (let k = 0; k < pieces; k++) out += alphabet[rng.int(alphabet.length)];
  return out;
}

/** A training corpus with enough repetition for a few hundred merges. */
export function smallCorpus(): string {
  const rng = new Rng(11);
  const lines = VARIED_TEXT.split('\n');
  let text = '';
  for (let i = 0; i < 120; i++) text += lines[rng.int(lines.length)] + (i % 7 === 0 ? '\n\n' : '\n');
  return text;
}

let trained: Tokenizer | undefined;

/** A 700-token tokenizer trained on smallCorpus(), built once per test file. */
export function smallTokenizer(): Tokenizer {
  if (!trained) {
    const counter = new ChunkCounter();
    counter.add(smallCorpus());
    trained = trainBpe(counter, { vocabSize: 700 }).tokenizer;
  }
  return trained;
}
