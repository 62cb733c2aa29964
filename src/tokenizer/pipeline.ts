// The string stages of a tokenizer.json, interpreted as the Hugging Face tokenizers library
// defines them: normalizers (text → text), pre-tokenizers (pieces → smaller pieces, with Split's
// five delimiter behaviours and invert), decoders (token strings → text) and the post-processor
// template. Each is built once from a checked description (src/io/hf-tokenizer.ts) into plain
// functions. It does not run BPE (bpe.ts) or match added tokens (tokenizer.ts).
import { LmlabError } from '../util/errors.ts';
import { pattern as patternOf, stagesOf, type Component } from '../io/hf-tokenizer.ts';
import { tokenStringToBytes } from './byte-level.ts';
import { GPT2_SPLIT_PATTERN, compileSplitPattern } from './pattern.ts';
import { decodeUtf8 } from '../data/utf8.ts';

export type Normalizer = (text: string) => string;

/** A pre-token; atStart: it begins at offset 0 of the original text (Metaspace "first"). */
export interface Piece {
  text: string;
  atStart: boolean;
}
export type PreTokenizer = (pieces: Piece[]) => Piece[];
export type Decoder = (tokens: string[]) => string[];

const WHITE = /\p{White_Space}/u;
const LEADING_WHITE = /^\p{White_Space}+/u;
const TRAILING_WHITE = /\p{White_Space}+$/u;

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

/** A global Unicode RegExp for a Split/Replace pattern (regex in tokenizer.json syntax, or literal). */
export function patternRegex(node: Component): RegExp {
  const p = patternOf(node, 'tokenizer.json');
  return 'regex' in p ? compileSplitPattern(p.regex) : new RegExp(escapeRegex(p.literal), 'gu');
}

function replaceAll(text: string, regex: RegExp, content: string): string {
  regex.lastIndex = 0;
  return text.replace(regex, () => content);
}

export function buildNormalizer(node: Component | null): Normalizer | null {
  if (node === null) return null;
  switch (node.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = node.type;
      return (t) => t.normalize(form);
    }
    case 'Lowercase':
      // Character by character, as the Rust library does (no context-dependent final sigma).
      return (t) => {
        let out = '';
        for (const ch of t) out += ch.toLowerCase();
        return out;
      };
    case 'Strip': {
      const left = node.strip_left !== false;
      const right = node.strip_right !== false;
      return (t) => {
        let out = t;
        if (left) out = out.replace(LEADING_WHITE, '');
        if (right) out = out.replace(TRAILING_WHITE, '');
        return out;
      };
    }
    case 'Prepend': {
      const prefix = String(node.prepend ?? '');
      return (t) => (t.length === 0 ? t : prefix + t);
    }
    case 'Replace': {
      const regex = patternRegex(node);
      const content = String(node.content ?? '');
      return (t) => replaceAll(t, regex, content);
    }
    case 'Sequence': {
      const parts = (node.normalizers as Component[]).map(buildNormalizer).filter((n): n is Normalizer => n !== null);
      return (t) => parts.reduce((acc, n) => n(acc), t);
    }
  }
  throw new Error(`normalizer ${node.type} has no builder`); // unreachable: checked in io
}

type Span = [start: number, end: number, isMatch: boolean];

/** Matches of regex in text as (start, end, isMatch) spans covering the text, empty matches skipped. */
function spans(text: string, regex: RegExp): Span[] {
  const out: Span[] = [];
  let prev = 0;
  regex.lastIndex = 0;
  for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
    if (m[0].length === 0) {
      regex.lastIndex = m.index + (text.codePointAt(m.index)! > 0xffff ? 2 : 1);
      continue;
    }
    if (m.index > prev) out.push([prev, m.index, false]);
    out.push([m.index, m.index + m[0].length, true]);
    prev = m.index + m[0].length;
  }
  if (prev < text.length) out.push([prev, text.length, false]);
  return out;
}

/** Split's delimiter behaviours, as the Rust library defines them. */
function applyBehavior(input: Span[], behavior: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let previousMatch = false;
  switch (behavior) {
    case 'Removed':
      for (const [s, e, m] of input) if (!m) out.push([s, e]);
      return out;
    case 'Isolated':
      return input.map(([s, e]) => [s, e]);
    case 'MergedWithPrevious':
      for (const [s, e, m] of input) {
        if (m && !previousMatch && out.length > 0) out[out.length - 1][1] = e;
        else out.push([s, e]);
        previousMatch = m;
      }
      return out;
    case 'MergedWithNext':
      for (let i = input.length - 1; i >= 0; i--) {
        const [s, e, m] = input[i];
        if (m && !previousMatch && out.length > 0) out[out.length - 1][0] = s;
        else out.push([s, e]);
        previousMatch = m;
      }
      return out.reverse();
    case 'Contiguous':
      input.forEach(([s, e, m], i) => {
        if (i > 0 && m === previousMatch) out[out.length - 1][1] = e;
        else out.push([s, e]);
        previousMatch = m;
      });
      return out;
  }
  throw new Error(`Split behavior ${behavior} has no builder`);
}

/** A pre-tokenizer that splits every piece by regex with a behaviour. */
function splitter(regex: RegExp, behavior: string, invert = false): PreTokenizer {
  return (pieces) => {
    const out: Piece[] = [];
    for (const piece of pieces) {
      let found = spans(piece.text, regex);
      if (invert) found = found.map(([s, e, m]) => [s, e, !m]);
      for (const [s, e] of applyBehavior(found, behavior)) {
        if (e > s) out.push({ text: piece.text.slice(s, e), atStart: piece.atStart && s === 0 });
      }
    }
    return out;
  };
}

/** Punctuation as the Rust library counts it: ASCII punctuation or a Unicode P* character. */
const PUNCTUATION = /[\p{P}!-/:-@[-`{-~]/gu;
const WORDS =
  /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\p{White_Space}]+/gu;
const NON_SPACE = /\P{White_Space}+/gu;

/** A byte-level model's pre-tokenizer ends in ByteLevel; it is built here without the byte mapping
 * itself (the model works on UTF-8 bytes directly), keeping its prefix space and regex. */
export function buildPreTokenizer(node: Component | null): PreTokenizer | null {
  if (node === null) return null;
  const stages = stagesOf(node).map(buildStage);
  if (stages.length === 1) return stages[0];
  return (pieces) => stages.reduce((acc, stage) => stage(acc), pieces);
}

function buildStage(node: Component): PreTokenizer {
  switch (node.type) {
    case 'Split':
      return splitter(patternRegex(node), String(node.behavior ?? 'Isolated'), node.invert === true);
    case 'ByteLevel': {
      const prefix = node.add_prefix_space === true;
      const split = node.use_regex !== false ? splitter(compileSplitPattern(GPT2_SPLIT_PATTERN), 'Isolated') : null;
      return (pieces) => {
        const spaced = prefix ? pieces.map((p) => (p.text.startsWith(' ') ? p : { ...p, text: ' ' + p.text })) : pieces;
        return split ? split(spaced) : spaced;
      };
    }
    case 'Digits':
      return splitter(node.individual_digits === true ? /\p{N}/gu : /\p{N}+/gu, 'Isolated');
    case 'Punctuation':
      return splitter(PUNCTUATION, String(node.behavior ?? 'Isolated'));
    case 'Whitespace':
      return splitter(WORDS, 'Removed', true);
    case 'WhitespaceSplit':
      return splitter(NON_SPACE, 'Removed', true);
    case 'Metaspace': {
      const replacement = String(node.replacement ?? '▁');
      const scheme = String(node.prepend_scheme ?? (node.add_prefix_space === false ? 'never' : 'always'));
      const split = node.split === true ? splitter(new RegExp(escapeRegex(replacement), 'gu'), 'MergedWithNext') : null;
      return (pieces) => {
        const out = pieces.map((p) => {
          let text = p.text.split(' ').join(replacement);
          const prepend = scheme === 'always' || (scheme === 'first' && p.atStart);
          if (prepend && !text.startsWith(replacement)) text = replacement + text;
          return { text, atStart: p.atStart };
        });
        return split ? split(out) : out;
      };
    }
  }
  throw new Error(`pre_tokenizer ${node.type} has no builder`);
}

const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

export function buildDecoder(node: Component | null): Decoder | null {
  if (node === null) return null;
  switch (node.type) {
    case 'ByteLevel':
      return (tokens) => {
        const bytes: number[] = [];
        const encoder = new TextEncoder();
        for (const token of tokens) {
          const mapped = tokenStringToBytes(token);
          if (mapped) for (const b of mapped) bytes.push(b);
          else for (const b of encoder.encode(token)) bytes.push(b);
        }
        return [decodeUtf8(Uint8Array.from(bytes))];
      };
    case 'Metaspace': {
      const replacement = String(node.replacement ?? '▁');
      const strip = String(node.prepend_scheme ?? (node.add_prefix_space === false ? 'never' : 'always')) !== 'never';
      return (tokens) =>
        tokens.map((token, i) => {
          const text = token.split(replacement).join(' ');
          return i === 0 && strip && text.startsWith(' ') ? text.slice(1) : text;
        });
    }
    case 'ByteFallback':
      return (tokens) => {
        const out: string[] = [];
        let bytes: number[] = [];
        const flush = () => {
          if (bytes.length === 0) return;
          const array = Uint8Array.from(bytes);
          const text = decodeUtf8(array);
          // Invalid UTF-8 gives one U+FFFD per byte, as the Rust library does.
          out.push(text.includes('\ufffd') && !validUtf8(array) ? '\ufffd'.repeat(bytes.length) : text);
          bytes = [];
        };
        for (const token of tokens) {
          const m = BYTE_TOKEN.exec(token);
          if (m) bytes.push(parseInt(m[1], 16));
          else {
            flush();
            out.push(token);
          }
        }
        flush();
        return out;
      };
    case 'Fuse':
      return (tokens) => [tokens.join('')];
    case 'Strip': {
      const content = String(node.content ?? ' ');
      const start = Number(node.start ?? 0);
      const stop = Number(node.stop ?? 0);
      return (tokens) =>
        tokens.map((token) => {
          const chars = [...token];
          let from = 0;
          while (from < start && from < chars.length && chars[from] === content) from++;
          let to = chars.length;
          while (chars.length - to < stop && to > from && chars[to - 1] === content) to--;
          return chars.slice(from, to).join('');
        });
    }
    case 'Replace': {
      const regex = patternRegex(node);
      const content = String(node.content ?? '');
      return (tokens) => tokens.map((t) => replaceAll(t, regex, content));
    }
    case 'Sequence': {
      const parts = (node.decoders as Component[]).map(buildDecoder).filter((d): d is Decoder => d !== null);
      return (tokens) => parts.reduce((acc, d) => d(acc), tokens);
    }
  }
  throw new Error(`decoder ${node.type} has no builder`);
}

function validUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The single-sequence template of a TemplateProcessing post-processor: ids before and after. */
export interface Template {
  before: number[];
  after: number[];
}

/** Finds the TemplateProcessing in a post-processor (alone or in a Sequence) and resolves its ids. */
export function buildTemplate(node: Component | null, idOf: (content: string) => number | undefined): Template | null {
  const processors = stagesOf(node, 'processors');
  const template = processors.find((p) => p.type === 'TemplateProcessing');
  if (!template || !Array.isArray(template.single)) return null;
  const specials = (template.special_tokens ?? {}) as Record<string, { ids?: number[] }>;
  const result: Template = { before: [], after: [] };
  let seenSequence = false;
  for (const item of template.single as Array<Record<string, { id: string }>>) {
    if ('Sequence' in item) {
      seenSequence = true;
      continue;
    }
    const name = item.SpecialToken?.id;
    if (name === undefined) continue;
    const ids = specials[name]?.ids ?? [idOf(name)];
    for (const id of ids) {
      if (id === undefined)
        throw new LmlabError(`TemplateProcessing names ${JSON.stringify(name)}, which is not a token`);
      (seenSequence ? result.after : result.before).push(id);
    }
  }
  return result;
}

export { WHITE };
