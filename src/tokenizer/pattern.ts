// Pre-split patterns: the GPT-4 (cl100k), Qwen2 and GPT-2 regexes in the form tokenizer.json and
// tiktoken write them (Oniguruma / Rust syntax), and a translator to an equivalent JavaScript
// `u`-mode RegExp. The translator handles exactly what those two families of patterns use:
// `(?i:...)` groups of literals, possessive quantifiers (`?+ *+ ++ }+`, which never change the
// result of these patterns because each atom cannot also match what follows), and `\s`/`\S`,
// which are Unicode White_Space in Rust and Oniguruma but differ in JS (JS adds U+FEFF and
// omits U+0085). Anything else is passed to RegExp unchanged; it does not emulate Oniguruma.
import { LmlabError } from '../util/errors.ts';

// The patterns themselves are written once, next to the tokenizer.json description.
export { GPT2_SPLIT_PATTERN, GPT4_SPLIT_PATTERN, QWEN2_SPLIT_PATTERN } from '../io/hf-tokenizer.ts';

const WHITE_SPACE = '\\p{White_Space}';
const NOT_WHITE_SPACE = '\\P{White_Space}';

/** Translates a tokenizer.json / tiktoken pattern to JavaScript source for `new RegExp(_, 'gu')`. */
export function toJsPattern(pattern: string): string {
  let out = '';
  let inClass = false;
  let afterQuantifier = false; // a '+' here makes the previous quantifier possessive
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    const wasAfterQuantifier = afterQuantifier;
    afterQuantifier = false;
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new LmlabError(`pre-split pattern ends with a lone backslash: ${pattern}`);
      if (next === 's') out += WHITE_SPACE;
      else if (next === 'S') out += NOT_WHITE_SPACE;
      else if ((next === 'p' || next === 'P') && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        if (close < 0) throw new LmlabError(`unterminated \\${next}{ in pre-split pattern ${JSON.stringify(pattern)}`);
        out += pattern.slice(i, close + 1);
        i = close + 1;
        continue;
      } else out += c + next;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal in Oniguruma; JS u-mode needs it escaped.
      if (pattern[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      i++;
      continue;
    }
    if (pattern.startsWith('(?i:', i)) {
      const close = findGroupEnd(pattern, i);
      out += '(?:' + caseInsensitiveLiterals(pattern.slice(i + 4, close), pattern) + ')';
      i = close + 1;
      continue;
    }
    if (c === '+' && wasAfterQuantifier) {
      i++; // possessive marker: dropped (see header)
      continue;
    }
    if (c === '{') {
      const counted = /^\{\d+(,\d*)?\}/.exec(pattern.slice(i));
      if (counted) {
        out += counted[0];
        i += counted[0].length;
        afterQuantifier = true;
        continue;
      }
    }
    if (c === '?' || c === '*' || c === '+') afterQuantifier = !(c === '?' && pattern[i - 1] === '(');
    out += c;
    i++;
  }
  return out;
}

/** Compiles a tokenizer.json / tiktoken pattern into a global Unicode JS RegExp. */
export function compileSplitPattern(pattern: string): RegExp {
  try {
    return new RegExp(toJsPattern(pattern), 'gu');
  } catch (err) {
    throw new LmlabError(`unsupported pre-split pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`);
  }
}

function findGroupEnd(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new LmlabError(`unbalanced parenthesis in pre-split pattern ${JSON.stringify(pattern)}`);
}

function caseInsensitiveLiterals(body: string, whole: string): string {
  let out = '';
  let inClass = false;
  for (const ch of body) {
    if (ch === '[' || ch === ']') {
      if (inClass === (ch === '['))
        throw new LmlabError(`unsupported (?i:...) group in pre-split pattern ${JSON.stringify(whole)}`);
      inClass = ch === '[';
      out += ch;
      continue;
    }
    if (/[\\(){}?*+.^$]/.test(ch)) {
      throw new LmlabError(`unsupported (?i:...) group in pre-split pattern ${JSON.stringify(whole)}`);
    }
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (lower === upper || lower.length !== 1 || upper.length !== 1) out += ch;
    else out += inClass ? lower + upper : `[${lower}${upper}]`;
  }
  return out;
}

/** Splits text into pre-split chunks one at a time. */
export interface Splitter {
  /** Index just past the chunk that starts at start (start < text.length). */
  chunkEnd(text: string, start: number): number;
}

/** Any pattern through the RegExp engine. Characters the pattern skips form chunks of their
 * own, so no text is ever lost whatever the pattern. */
export class RegexSplitter implements Splitter {
  private readonly regex: RegExp;

  constructor(pattern: string) {
    this.regex = compileSplitPattern(pattern);
  }

  chunkEnd(text: string, start: number): number {
    const regex = this.regex;
    regex.lastIndex = start;
    const match = regex.exec(text);
    if (match === null) return text.length;
    if (match.index > start) return match.index;
    if (match[0].length > 0) return start + match[0].length;
    const unit = text.charCodeAt(start);
    return unit >= 0xd800 && unit <= 0xdbff && start + 1 < text.length ? start + 2 : start + 1;
  }
}

/** Calls visit for every chunk of text; returns the number of chunks. */
export function forEachChunk(splitter: Splitter, text: string, visit: (chunk: string) => void): number {
  let count = 0;
  for (let start = 0; start < text.length; count++) {
    const end = splitter.chunkEnd(text, start);
    visit(text.slice(start, end));
    start = end;
  }
  return count;
}
