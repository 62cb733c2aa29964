// Seeded synthetic text with a natural-language-like shape (Zipf-distributed words, sentences,
// paragraphs, numbers, punctuation, a few non-Latin words, code-like lines), for measuring the
// trainer and encoder at sizes no test corpus ships with. It imitates only the statistics that
// matter to BPE (many distinct words, heavy head, long tail); it is not meant to be read.
import { Rng } from '../util/rng.ts';

const SYLLABLES = [
  'ba',
  'ce',
  'di',
  'fo',
  'gu',
  'ha',
  'je',
  'ki',
  'lo',
  'mu',
  'na',
  'pe',
  'qui',
  'ro',
  'su',
  'ta',
  've',
  'wi',
  'xo',
  'yu',
  'za',
  'th',
  'st',
  'er',
  'in',
  'on',
  'an',
  'en',
  'or',
  'al',
  'ing',
  'tion',
  'ly',
  'ment',
  'ous',
  'ist',
  'pre',
  'con',
  'ex',
  'de',
  're',
  'un',
  'ar',
  'ic',
  'ed',
  'es',
];
const FOREIGN = [
  '中文',
  '测试',
  '数据',
  'привет',
  'мир',
  'مرحبا',
  'سلام',
  'καλημέρα',
  'café',
  'naïve',
  'über',
  '東京',
  'ñandú',
];
const PUNCTUATION = ['.', '.', '.', ',', ',', ',', ';', ':', '!', '?', ' —', '...'];

export class SyntheticText {
  private readonly rng: Rng;
  private readonly words: string[];
  private readonly cumulative: Float64Array;

  constructor(seed = 1, lexiconSize = 40000) {
    this.rng = new Rng(seed);
    const lexicon = new Set<string>();
    while (lexicon.size < lexiconSize) {
      const syllables = 1 + Math.min(5, Math.floor(-Math.log(1 - this.rng.next()) * 1.3));
      let word = '';
      for (let k = 0; k < syllables; k++) word += SYLLABLES[this.rng.int(SYLLABLES.length)];
      lexicon.add(word);
    }
    this.words = [...lexicon];
    // Zipf weights 1/(rank+2.7)^1.07: a heavy head of short function-like words, a long tail.
    this.words.sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    this.cumulative = new Float64Array(this.words.length);
    let total = 0;
    for (let rank = 0; rank < this.words.length; rank++) {
      total += 1 / Math.pow(rank + 2.7, 1.07);
      this.cumulative[rank] = total;
    }
    for (let rank = 0; rank < this.words.length; rank++) this.cumulative[rank] /= total;
  }

  private word(): string {
    const u = this.rng.next();
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulative[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return this.words[lo];
  }

  private sentence(): string {
    const length = 4 + this.rng.int(18);
    let out = '';
    for (let i = 0; i < length; i++) {
      let word = this.word();
      const roll = this.rng.next();
      if (i === 0) word = word[0].toUpperCase() + word.slice(1);
      else if (roll < 0.02) word = String(this.rng.int(roll < 0.01 ? 100 : 100000));
      else if (roll < 0.025) word = FOREIGN[this.rng.int(FOREIGN.length)];
      else if (roll < 0.03) word = word + "'s";
      out += (i === 0 ? '' : ' ') + word;
      if (i < length - 1 && this.rng.next() < 0.08) out += PUNCTUATION[3 + this.rng.int(3)];
    }
    return out + PUNCTUATION[this.rng.int(3)];
  }

  private codeLine(): string {
    const name = this.word();
    const indent = ' '.repeat(2 * (1 + this.rng.int(3)));
    return `${indent}const ${name} = ${this.word()}(${this.rng.int(1000)}, "${this.word()}");`;
  }

  /** About `bytes` bytes of text (it stops at the first paragraph end past the size). */
  generate(bytes: number): string {
    const parts: string[] = [];
    let size = 0;
    while (size < bytes) {
      let paragraph = '';
      const sentences = 1 + this.rng.int(8);
      for (let s = 0; s < sentences; s++) paragraph += (s === 0 ? '' : ' ') + this.sentence();
      if (this.rng.next() < 0.05) {
        for (let k = 0; k < 3; k++) paragraph += '\n' + this.codeLine();
      }
      paragraph += '\n\n';
      parts.push(paragraph);
      size += paragraph.length; // close enough: the text is mostly ASCII
    }
    return parts.join('');
  }
}
