// Turns a stream of labelled documents into the MeCo corpus directory:
//   train.jsonl     stage-1 documents (trained with metadata)
//   cooldown.jsonl  disjoint documents for the cooldown stage (trained without metadata)
//   eval.jsonl      held-out documents of the training labels
//   heldout.jsonl   every document of the labels held out of training entirely
//   corpus.json     counts per split and label, what was skipped, and the settings
// Records are {"text", "url", "source"}. Long documents are cut at paragraph boundaries into
// parts of at most maxChars (the packer drops what overflows a row, so this keeps text that
// would otherwise never be trained on). Exact duplicates (after whitespace and case folding)
// are dropped. The split of a document is a hash of its text and the seed, so it does not
// depend on reading order and needs no second pass. Memory: one hash per distinct document.
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fnv1a } from '../domain.ts';
import type { LabelledDocument } from './sources.ts';
import { LmlabError } from '../../util/errors.ts';
import { writeAtomic } from '../../util/atomic.ts';

export const SPLITS = ['train', 'cooldown', 'eval', 'heldout'] as const;
export type Split = (typeof SPLITS)[number];

export interface CorpusOptions {
  seed: number;
  /** fraction of each training label's documents for evaluation */
  evalFraction: number;
  /** fraction of each training label's documents for the cooldown stage */
  cooldownFraction: number;
  /** labels (sources) kept out of training entirely */
  holdoutLabels: string[];
  /** additionally hold out this fraction of labels, chosen by a hash of the label */
  holdoutFraction: number;
  /** cut documents longer than this many characters (0 = never) */
  maxChars: number;
  /** stop after this many documents are written (0 = all) */
  limit: number;
  /** at most this many documents per label (0 = all); keeps small corpora spread over labels */
  perLabelLimit?: number;
}

export interface CorpusManifest {
  format: 'lmlab-meco-corpus-1';
  options: CorpusOptions;
  documents: Record<Split, number>;
  /** documents per split per label */
  labels: Record<string, Partial<Record<Split, number>>>;
  duplicates: number;
  skipped: Record<string, number>;
}

/** Paragraph-aligned parts of at most maxChars (a single longer paragraph is cut hard). */
export function cutDocument(text: string, maxChars: number): string[] {
  if (maxChars <= 0 || text.length <= maxChars) return [text];
  const parts: string[] = [];
  let current = '';
  for (const paragraph of text.split(/\n\s*\n/)) {
    let rest = paragraph.trim();
    if (!rest) continue;
    while (rest.length > maxChars) {
      if (current) {
        parts.push(current);
        current = '';
      }
      parts.push(rest.slice(0, maxChars));
      rest = rest.slice(maxChars);
    }
    if (current && current.length + 2 + rest.length > maxChars) {
      parts.push(current);
      current = '';
    }
    current = current ? `${current}\n\n${rest}` : rest;
  }
  if (current) parts.push(current);
  return parts;
}

function dedupKey(text: string): string {
  return createHash('sha1').update(text.toLowerCase().replace(/\s+/g, ' ').trim()).digest('base64');
}

export function isHeldOutLabel(
  label: string,
  o: Pick<CorpusOptions, 'holdoutLabels' | 'holdoutFraction' | 'seed'>,
): boolean {
  if (o.holdoutLabels.includes(label)) return true;
  return o.holdoutFraction > 0 && fnv1a(label, o.seed ^ 0x686f6c64) / 2 ** 32 < o.holdoutFraction;
}

export function splitOf(text: string, label: string, o: CorpusOptions): Split {
  if (isHeldOutLabel(label, o)) return 'heldout';
  const u = fnv1a(text, o.seed) / 2 ** 32;
  if (u < o.evalFraction) return 'eval';
  if (u < o.evalFraction + o.cooldownFraction) return 'cooldown';
  return 'train';
}

export async function buildCorpus(
  docs: AsyncIterable<LabelledDocument> | Iterable<LabelledDocument>,
  outDir: string,
  o: CorpusOptions,
  skipped: Record<string, number> = {},
): Promise<CorpusManifest> {
  if (o.evalFraction < 0 || o.cooldownFraction < 0 || o.evalFraction + o.cooldownFraction >= 1) {
    throw new LmlabError('the eval and cooldown fractions must be ≥ 0 and leave some documents for training');
  }
  mkdirSync(outDir, { recursive: true });
  const pending: Record<Split, string[]> = { train: [], cooldown: [], eval: [], heldout: [] };
  let pendingBytes = 0;
  for (const s of SPLITS) rmSync(join(outDir, `${s}.jsonl`), { force: true });
  const flush = () => {
    for (const s of SPLITS) {
      if (pending[s].length) appendFileSync(join(outDir, `${s}.jsonl`), pending[s].join(''));
      pending[s] = [];
    }
    pendingBytes = 0;
  };
  const manifest: CorpusManifest = {
    format: 'lmlab-meco-corpus-1',
    options: o,
    documents: { train: 0, cooldown: 0, eval: 0, heldout: 0 },
    labels: {},
    duplicates: 0,
    skipped,
  };
  const seen = new Set<string>();
  let written = 0;
  outer: for await (const doc of docs) {
    const parts = cutDocument(doc.text, o.maxChars);
    for (let p = 0; p < parts.length; p++) {
      const text = parts[p];
      if (
        o.perLabelLimit &&
        Object.values(manifest.labels[doc.source] ?? {}).reduce((a, b) => a + b, 0) >= o.perLabelLimit
      )
        break;
      const key = dedupKey(text);
      if (seen.has(key)) {
        manifest.duplicates++;
        continue;
      }
      seen.add(key);
      const split = splitOf(text, doc.source, o);
      const url = parts.length > 1 ? `${doc.url}${doc.url.includes('#') ? '-' : '#'}part-${p + 1}` : doc.url;
      const line = JSON.stringify({ text, url, source: doc.source }) + '\n';
      pending[split].push(line);
      pendingBytes += line.length;
      manifest.documents[split]++;
      const perLabel = (manifest.labels[doc.source] ??= {});
      perLabel[split] = (perLabel[split] ?? 0) + 1;
      if (pendingBytes > 1 << 22) flush();
      written++;
      if (o.limit > 0 && written >= o.limit) break outer;
    }
  }
  flush();
  for (const s of SPLITS) if (manifest.documents[s] === 0) writeAtomic(join(outDir, `${s}.jsonl`), '');
  if (written === 0) throw new LmlabError('no documents to write: the sources yielded nothing usable');
  writeAtomic(join(outDir, 'corpus.json'), JSON.stringify(manifest, null, 1));
  return manifest;
}
