// Long-context tasks with exact answers, for training the AdaSkip evaluation model and for
// scoring it: passkey retrieval, multi-key needle-in-a-haystack, multi-query associative recall,
// variable tracking, copy of a marked span and extraction of tagged values (a long output).
// Every instance is a pure function of (task, seed, length, filler text): calibration and test
// prompts differ only by seed, so they never share a needle. The haystack is natural text.
// Deliberately not here: tokenization (lengths are in characters) and model calls.
import { Rng } from '../../util/rng.ts';
import { LmlabError } from '../../util/errors.ts';

export const TASKS = ['passkey', 'multikey', 'recall', 'vartrack', 'copy', 'tagged'] as const;
/**
 * Evaluation-only tasks whose answers are long (the evaluation generates at least 64 tokens for
 * them), in the training tasks' own formats: copy a marked passage of 40 words, list 24 tagged
 * values in order, recall the values of all 12 keys. Long enough that AdaSkip's online rule,
 * which acts after 20 decode steps, changes the decoding of most of the answer.
 */
export const LONG_TASKS = ['copy-long', 'tagged-long', 'recall-all'] as const;
export const ALL_TASKS = [...TASKS, ...LONG_TASKS] as const;
export type TaskName = (typeof ALL_TASKS)[number];

export interface TaskInstance {
  task: TaskName;
  /** everything the model reads, ending where the answer starts */
  prompt: string;
  /** the exact continuation; `items` are its scored parts in order */
  answer: string;
  items: string[];
}

export interface TaskScore {
  /** the whole answer came out exactly */
  exact: boolean;
  /** share of `items` found at their place in the output */
  items: number;
}

export function parseTask(name: string): TaskName {
  if (!(ALL_TASKS as readonly string[]).includes(name))
    throw new LmlabError(`unknown task "${name}" (one of ${ALL_TASKS.join(', ')})`);
  return name as TaskName;
}

/** Natural-text haystack: consecutive paragraphs from a random starting point. */
export class Haystack {
  constructor(private readonly paragraphs: string[]) {
    if (paragraphs.length === 0) throw new LmlabError('the haystack needs at least one paragraph of text');
  }

  /** About `chars` characters of whole sentences, as paragraphs. */
  take(rng: Rng, chars: number): string[] {
    const out: string[] = [];
    let used = 0;
    let i = rng.int(this.paragraphs.length);
    while (used < chars) {
      let p = this.paragraphs[i % this.paragraphs.length];
      i++;
      if (used + p.length > chars) {
        const cut = p.lastIndexOf('. ', chars - used);
        if (cut <= 0) break;
        p = p.slice(0, cut + 1);
      }
      out.push(p);
      used += p.length + 2;
    }
    return out;
  }
}

/**
 * Splits text into paragraphs worth using as haystack (blank-line separated, whitespace tidied).
 * Longer ones (the State of the Union texts have no breaks at all) become runs of whole
 * sentences of at most `maxChars`, so needles can sit at any depth.
 */
export function paragraphsOf(text: string, minChars = 40, maxChars = 600): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\n\s*\n/)) {
    const p = raw.replace(/\s+/g, ' ').trim();
    if (p.length <= maxChars) {
      if (p.length >= minChars) out.push(p);
      continue;
    }
    let group = '';
    for (const sentence of p.split(/(?<=[.!?]) (?=[A-Z"(])/)) {
      if (group && group.length + sentence.length + 1 > maxChars) {
        if (group.length >= minChars) out.push(group);
        group = '';
      }
      group = group ? `${group} ${sentence}` : sentence;
    }
    if (group.length >= minChars) out.push(group);
  }
  return out;
}

/** Short distinct words for keys, lists and spans (also bench:induction's copy lists). */
export const WORDS = [
  'apple',
  'river',
  'candle',
  'falcon',
  'marble',
  'violet',
  'harbor',
  'copper',
  'meadow',
  'lantern',
  'pepper',
  'tiger',
  'willow',
  'saddle',
  'comet',
  'glacier',
  'orchid',
  'anchor',
  'ember',
  'thistle',
  'walnut',
  'beacon',
  'cobalt',
  'quartz',
];
const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

function digits(rng: Rng, n: number): string {
  let s = String(1 + rng.int(9));
  while (s.length < n) s += String(rng.int(10));
  return s;
}

function distinct<T>(rng: Rng, pool: readonly T[], n: number): T[] {
  const copy = [...pool];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}

function code(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[rng.int(LETTERS.length)];
  return s;
}

/** Places the needle sentences between paragraphs of the haystack, in order, at random depths. */
function weave(rng: Rng, paragraphs: string[], needles: string[]): string {
  const slots = needles.map(() => rng.int(paragraphs.length + 1)).sort((a, b) => a - b);
  const out: string[] = [];
  let k = 0;
  for (let i = 0; i <= paragraphs.length; i++) {
    while (k < needles.length && slots[k] === i) out.push(needles[k++]);
    if (i < paragraphs.length) out.push(paragraphs[i]);
  }
  return out.join('\n\n');
}

/** One instance of `task` with about `chars` characters of haystack. */
export function makeTask(task: TaskName, seed: number, chars: number, haystack: Haystack): TaskInstance {
  const rng = new Rng(seed * 7919 + ALL_TASKS.indexOf(task) + 1);
  const hay = haystack.take(rng, chars);
  switch (task) {
    case 'passkey': {
      const key = digits(rng, 5);
      const text = weave(rng, hay, [`The pass key is ${key}. Remember it. ${key} is the pass key.`]);
      return { task, prompt: `${text}\n\nWhat is the pass key? The pass key is`, answer: ` ${key}.`, items: [key] };
    }
    case 'multikey': {
      const keys = distinct(rng, WORDS, 4);
      const values = keys.map(() => digits(rng, 6));
      const asked = rng.int(keys.length);
      const text = weave(
        rng,
        hay,
        keys.map((k, i) => `One of the special magic numbers for ${k} is: ${values[i]}.`),
      );
      return {
        task,
        prompt: `${text}\n\nWhat is the special magic number for ${keys[asked]}? The special magic number for ${keys[asked]} is:`,
        answer: ` ${values[asked]}.`,
        items: [values[asked]],
      };
    }
    case 'recall': {
      const keys = distinct(rng, WORDS, 6);
      const values = keys.map(() => digits(rng, 3));
      const queries = distinct(
        rng,
        keys.map((_, i) => i),
        3,
      );
      const text = weave(
        rng,
        hay,
        keys.map((k, i) => `Remember: ${k} = ${values[i]}.`),
      );
      const asked = queries.map((i) => keys[i]).join(', ');
      const items = queries.map((i) => `${keys[i]} = ${values[i]}`);
      return {
        task,
        prompt: `${text}\n\nRecall the values of ${asked}. Answer:`,
        answer: ` ${items.join('; ')}.`,
        items,
      };
    }
    case 'vartrack': {
      const names = distinct(rng, [...LETTERS], 4).map((a) => `${a}${LETTERS[rng.int(LETTERS.length)]}`);
      const value = digits(rng, 5);
      const chain = names.map((n, i) => (i === 0 ? `VAR ${n} = ${value}.` : `VAR ${n} = VAR ${names[i - 1]}.`));
      const text = weave(rng, hay, chain);
      return {
        task,
        prompt: `${text}\n\nWhich variables hold the value ${value}? They are:`,
        answer: ` ${names.join(' ')}.`,
        items: names,
      };
    }
    case 'copy': {
      const span = distinct(rng, WORDS, 6).join(' ');
      const text = weave(rng, hay, [`<copy>${span}</copy>`]);
      return {
        task,
        prompt: `${text}\n\nCopy the marked span. The marked span is:`,
        answer: ` ${span}.`,
        items: span.split(' '),
      };
    }
    case 'copy-long': {
      const span = Array.from({ length: 40 }, () => WORDS[rng.int(WORDS.length)]).join(' ');
      const text = weave(rng, hay, [`<copy>${span}</copy>`]);
      return {
        task,
        prompt: `${text}\n\nCopy the marked span. The marked span is:`,
        answer: ` ${span}.`,
        items: span.split(' '),
      };
    }
    case 'tagged-long': {
      const values = Array.from({ length: 24 }, () => code(rng, 3));
      const text = weave(
        rng,
        hay,
        values.map((v) => `[tag ${v}]`),
      );
      return {
        task,
        prompt: `${text}\n\nList every tagged value in order. The tagged values are:`,
        answer: ` ${values.join(' ')}.`,
        items: values,
      };
    }
    case 'recall-all': {
      const keys = distinct(rng, WORDS, 12);
      const values = keys.map(() => digits(rng, 3));
      const text = weave(
        rng,
        hay,
        keys.map((k, i) => `Remember: ${k} = ${values[i]}.`),
      );
      const items = keys.map((k, i) => `${k} = ${values[i]}`);
      return {
        task,
        prompt: `${text}\n\nRecall the values of ${keys.join(', ')}. Answer:`,
        answer: ` ${items.join('; ')}.`,
        items,
      };
    }
    case 'tagged': {
      const values = Array.from({ length: 8 }, () => code(rng, 3));
      const text = weave(
        rng,
        hay,
        values.map((v) => `[tag ${v}]`),
      );
      return {
        task,
        prompt: `${text}\n\nList every tagged value in order. The tagged values are:`,
        answer: ` ${values.join(' ')}.`,
        items: values,
      };
    }
  }
}

/**
 * A short drill for training only, not a test task: a list stated then repeated, or key-value
 * pairs then every key queried. Nothing else in the text predicts the second half, so the only
 * way to lower its loss is to look back and copy: the mechanism every task above needs, taught
 * with dozens of supervised lookups per document instead of one answer per haystack.
 */
export function makeDrill(seed: number): string {
  const rng = new Rng(seed * 104729 + 17);
  const item = (): string => {
    const kind = rng.int(3);
    return kind === 0
      ? WORDS[rng.int(WORDS.length)]
      : kind === 1
        ? code(rng, 2 + rng.int(2))
        : digits(rng, 2 + rng.int(5));
  };
  if (rng.int(2) === 0) {
    const list = Array.from({ length: 6 + rng.int(19) }, item).join(' ');
    return `List: ${list}. Again: ${list}.`;
  }
  const keys = distinct(rng, WORDS, 4 + rng.int(9));
  const values = keys.map(() => digits(rng, 3 + rng.int(4)));
  const order = distinct(
    rng,
    keys.map((_, i) => i),
    keys.length,
  );
  return `${keys.map((k, i) => `${k} = ${values[i]}.`).join(' ')} Lookup: ${order.map((i) => `${keys[i]} = ${values[i]}.`).join(' ')}`;
}

/** Scores a model's continuation: exact answer, and the items found in order at their place. */
export function scoreTask(instance: TaskInstance, output: string): TaskScore {
  const exact = output.startsWith(instance.answer) || output.trimEnd() === instance.answer.trimEnd();
  // The answer's own separators split the output the same way; an item counts when it sits
  // at its index, so a right value in the wrong order is not a hit.
  const separator = instance.task === 'recall' || instance.task === 'recall-all' ? /;\s*/ : /\s+/;
  const body = output.trim().replace(/\.$|\.\s.*$/s, '');
  const parts = instance.items.length === 1 ? [body.split(/[\s.]/)[0] ?? ''] : body.split(separator);
  let hits = 0;
  instance.items.forEach((item, i) => {
    if (parts[i] === item) hits++;
  });
  return { exact, items: hits / instance.items.length };
}
