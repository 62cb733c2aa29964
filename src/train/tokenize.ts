// The tokenizing step: documents from corpus files → token shards ready for packing.
// Default layout per document: [BOS] + tok(text) + [EOS], loss on every target but BOS.
// Callers (MeCo) may pass their own `format` to add metadata prefixes and masks; the shards
// then carry exactly what the packer needs (tokens, loss mask, document boundaries, source).
import type { Tokenizer } from '../tokenizer/index.ts';
import { type CorpusDocument, type DocumentStats, emptyStats, readDocuments } from '../data/documents.ts';
import { ShardWriter, type DatasetIndex } from './shards.ts';
import { LmlabError } from '../util/errors.ts';

export interface FormattedDocument {
  tokens: number[];
  /** 1 where the token is a training target */
  mask: number[];
  source: string;
}

export interface TokenizeOptions {
  textField?: string;
  onBadRecord?: 'error' | 'skip';
  /** record field naming the document's source (for per-source evaluation) */
  sourceField?: string;
  shardTokens?: number;
  /** custom layout; return null to skip a document */
  format?: (doc: CorpusDocument) => FormattedDocument | null;
  onProgress?: (stats: DocumentStats & { tokens: number }) => void;
  meta?: Record<string, unknown>;
}

export function standardLayout(tokenizer: Tokenizer, text: string): { tokens: number[]; mask: number[] } {
  const tokens = tokenizer.encodeDocument(text);
  const mask = tokens.map((_, i) => (i === 0 ? 0 : 1));
  return { tokens, mask };
}

export async function tokenizeCorpus(
  paths: string[],
  outDir: string,
  tokenizer: Tokenizer,
  options: TokenizeOptions = {},
): Promise<DatasetIndex & { stats: DocumentStats; tokens: number }> {
  const stats = emptyStats();
  const writer = new ShardWriter(outDir, tokenizer.vocabSize, options.shardTokens, options.meta);
  let tokens = 0;
  let last = 0;
  for await (const doc of readDocuments(paths, {
    textField: options.textField,
    onBadRecord: options.onBadRecord,
    stats,
  })) {
    let formatted: FormattedDocument | null;
    if (options.format) formatted = options.format(doc);
    else {
      const source = options.sourceField ? doc.record[options.sourceField] : undefined;
      formatted = { ...standardLayout(tokenizer, doc.text), source: typeof source === 'string' ? source : 'default' };
    }
    if (!formatted) continue;
    writer.add(formatted.tokens, formatted.mask, formatted.source);
    tokens += formatted.tokens.length;
    if (options.onProgress && Date.now() - last > 1000) {
      last = Date.now();
      options.onProgress({ ...stats, tokens });
    }
  }
  const index = writer.finish();
  if (stats.documents === 0) throw new LmlabError(`no documents found in ${paths.join(', ')}`);
  return { ...index, stats, tokens };
}
