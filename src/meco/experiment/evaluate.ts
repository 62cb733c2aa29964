// Held-out evaluation for the MeCo reproduction: per-document loss of the document tokens (+ EOS)
// under a condition — no label, the true label, another source's (wrong) label, or a given
// label — with losses split by position inside the document, and the "k-shot source" setting
// (k documents of one source as context, the next one scored). Aggregates are macro-averaged
// over sources (each source's token-weighted mean, then the plain mean over sources).
// Not here: training, the experiment plan (runs.ts), text generation.
import type { Tokenizer } from '../../tokenizer/index.ts';
import type { LlamaModel } from '../../model/llama.ts';
import { InferenceSession } from '../../model/inference.ts';
import { scoreTokens } from '../../model/score.ts';
import { readDocuments } from '../../data/documents.ts';
import { extractDomain, metadataTemplate } from '../domain.ts';
import { LmlabError } from '../../util/errors.ts';

export interface EvalDocument {
  text: string;
  url: string;
  source: string;
}

export type Condition = 'none' | 'true' | 'wrong' | 'given';

export interface DocumentLoss {
  source: string;
  /** negative log-likelihood of each scored token, in document order */
  losses: number[];
}

/**
 * Reads up to perSource documents of every source from a corpus JSONL (file order). With
 * maxDocuments, whole sources are kept, largest first, until the cap: every kept source still
 * has its documents for the k-shot setting, and evaluation time stays bounded.
 */
export async function loadEvalDocuments(
  file: string,
  perSource: number,
  urlField = 'url',
  maxDocuments = 0,
): Promise<EvalDocument[]> {
  const all = await readEvalDocuments(file, perSource, urlField);
  if (maxDocuments <= 0 || all.length <= maxDocuments) return all;
  const bySource = new Map<string, EvalDocument[]>();
  for (const d of all) bySource.set(d.source, [...(bySource.get(d.source) ?? []), d]);
  const order = [...bySource].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
  const kept = new Set<string>();
  let count = 0;
  for (const [source, docs] of order) {
    if (count + docs.length > maxDocuments) break;
    kept.add(source);
    count += docs.length;
  }
  return all.filter((d) => kept.has(d.source));
}

async function readEvalDocuments(file: string, perSource: number, urlField: string): Promise<EvalDocument[]> {
  const counts = new Map<string, number>();
  const out: EvalDocument[] = [];
  for await (const doc of readDocuments([file], { onBadRecord: 'skip' })) {
    const url = doc.record[urlField];
    if (typeof url !== 'string' || !url) continue;
    const sourceField = doc.record.source;
    const source = typeof sourceField === 'string' && sourceField ? sourceField : extractDomain(url);
    const n = counts.get(source) ?? 0;
    if (n >= perSource) continue;
    counts.set(source, n + 1);
    out.push({ text: doc.text, url, source });
  }
  return out;
}

/** A label of another source for each source (the next one in sorted order). */
export function wrongLabels(docs: EvalDocument[]): Map<string, string> {
  const domains = new Map<string, string>();
  for (const d of docs) if (!domains.has(d.source)) domains.set(d.source, extractDomain(d.url));
  const sources = [...domains.keys()].sort();
  const out = new Map<string, string>();
  sources.forEach((s, i) => out.set(s, domains.get(sources[(i + 1) % sources.length])!));
  return out;
}

export class DocumentScorer {
  private readonly session: InferenceSession;

  constructor(
    readonly model: LlamaModel,
    readonly tokenizer: Tokenizer,
    readonly maxTokens: number,
  ) {
    if (tokenizer.bosId === undefined || tokenizer.eosId === undefined)
      throw new LmlabError('MeCo evaluation needs a tokenizer with BOS and EOS');
    this.session = new InferenceSession(model, { chunk: Math.min(512, maxTokens) });
  }

  /** Losses of the document's tokens (+ EOS), truncated so the whole sequence fits maxTokens. */
  score(text: string, label: string | null, context: number[] = []): number[] {
    const head = [this.tokenizer.bosId!, ...context];
    if (label !== null) head.push(...this.tokenizer.encode(metadataTemplate(label)));
    const body = [...this.tokenizer.encode(text), this.tokenizer.eosId!];
    const room = this.maxTokens - head.length;
    if (room < 1)
      throw new LmlabError(
        `evaluation: the context (${head.length} tokens) leaves no room in ${this.maxTokens} tokens`,
      );
    const ids = Int32Array.from([...head, ...body.slice(0, room)]);
    return scoreTokens(this.model, ids, head.length, undefined, this.session).logprobs.map((lp) => -lp);
  }

  scoreDocuments(docs: EvalDocument[], condition: Condition, given?: string): DocumentLoss[] {
    const wrong = condition === 'wrong' ? wrongLabels(docs) : null;
    return docs.map((d) => {
      const label =
        condition === 'none'
          ? null
          : condition === 'true'
            ? extractDomain(d.url)
            : condition === 'wrong'
              ? wrong!.get(d.source)!
              : given!;
      return { source: d.source, losses: this.score(d.text, label) };
    });
  }

  /**
   * k-shot source: for each source with ≥ k+1 documents, k of them (each cut to an equal share
   * of half the window, joined by blank lines) precede the next one, which is scored.
   */
  scoreKShot(docs: EvalDocument[], k: number): DocumentLoss[] {
    const bySource = new Map<string, EvalDocument[]>();
    for (const d of docs) bySource.set(d.source, [...(bySource.get(d.source) ?? []), d]);
    const share = Math.max(1, Math.floor((this.maxTokens / 2 - 1) / k));
    const separator = this.tokenizer.encode('\n\n');
    const out: DocumentLoss[] = [];
    for (const [source, list] of [...bySource].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (let start = 0; start + k < list.length; start += k + 1) {
        const context: number[] = [];
        for (let i = start; i < start + k; i++)
          context.push(...this.tokenizer.encode(list[i].text).slice(0, share - separator.length), ...separator);
        out.push({ source, losses: this.score(list[start + k].text, null, context) });
      }
    }
    return out;
  }
}

export interface LossSummary {
  /** macro-average over sources of the mean loss over all scored positions */
  all: number;
  /** the same over positions ≥ 64 inside the document (NaN when no document is that long) */
  late: number;
  /** the same over the first 16 positions */
  early: number;
  sources: number;
  tokens: number;
}

export const LATE_POSITION = 64;
export const EARLY_POSITIONS = 16;

/** Macro average over sources of per-source token means, for positions in [from, to). */
export function macroLoss(
  docs: DocumentLoss[],
  from = 0,
  to = Infinity,
): { mean: number; sources: number; tokens: number } {
  const sums = new Map<string, { sum: number; count: number }>();
  let tokens = 0;
  for (const d of docs) {
    const acc = sums.get(d.source) ?? { sum: 0, count: 0 };
    for (let i = from; i < Math.min(to, d.losses.length); i++) {
      acc.sum += d.losses[i];
      acc.count += 1;
    }
    sums.set(d.source, acc);
    tokens += Math.max(0, Math.min(to, d.losses.length) - from);
  }
  const means = [...sums.values()].filter((a) => a.count > 0).map((a) => a.sum / a.count);
  return { mean: means.length ? means.reduce((a, b) => a + b, 0) / means.length : NaN, sources: means.length, tokens };
}

export function summarize(docs: DocumentLoss[]): LossSummary {
  const all = macroLoss(docs);
  return {
    all: all.mean,
    late: macroLoss(docs, LATE_POSITION).mean,
    early: macroLoss(docs, 0, EARLY_POSITIONS).mean,
    sources: all.sources,
    tokens: all.tokens,
  };
}

/** Per-document mean losses (for paired differences between two models on the same documents). */
export function documentMeans(docs: DocumentLoss[], from = 0): number[] {
  return docs.map((d) => {
    let sum = 0;
    let n = 0;
    for (let i = from; i < d.losses.length; i++) {
      sum += d.losses[i];
      n++;
    }
    return n ? sum / n : NaN;
  });
}
