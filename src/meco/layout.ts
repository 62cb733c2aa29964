// MeCo document layouts over the project tokenizer (the paper's document layout):
//   MeCo stage:  [BOS] + tok("URL: <label>\n\n") + tok(text) + [EOS]; loss off for BOS and the
//                metadata, on for the text and EOS (the first text token IS a trained target:
//                it is predicted from the last metadata position);
//   standard:    [BOS] + tok(text) + [EOS]; loss on everything but BOS.
// The metadata is tokenized on its own, so no BPE merge crosses the boundary. Also the
// `format` hook that turns labelled records into shards for every label variant.
// Not here: packing (src/train/packing.ts builds rows, segments and restarting positions).
import type { Tokenizer } from '../tokenizer/index.ts';
import type { CorpusDocument } from '../data/documents.ts';
import type { FormattedDocument } from '../train/tokenize.ts';
import { type LabelVariant, labelFor, metadataTemplate } from './domain.ts';
import { LmlabError } from '../util/errors.ts';

export interface LaidOutDocument {
  tokens: number[];
  /** 1 where the token is a training target */
  mask: number[];
  /** BOS + metadata tokens (all masked) */
  prefixLength: number;
}

/** One document in the MeCo layout, or the standard layout when label is null. */
export function layoutDocument(tokenizer: Tokenizer, text: string, label: string | null): LaidOutDocument {
  const { ids, prefixLength } = tokenizer.encodeDocumentWithPrefix(label === null ? '' : metadataTemplate(label), text);
  const mask = new Array<number>(ids.length);
  for (let i = 0; i < ids.length; i++) mask[i] = i < prefixLength ? 0 : 1;
  return { tokens: ids, mask, prefixLength };
}

export interface RecordFields {
  urlField: string;
  sourceField?: string;
}

/** The URL of a record, or an error naming the record when it has none. */
export function recordUrl(doc: CorpusDocument, urlField: string): string | null {
  const url = doc.record[urlField];
  return typeof url === 'string' && url.length > 0 ? url : null;
}

/**
 * The tokenizeCorpus `format` hook for a variant. Documents without a URL are skipped and
 * counted in `skipped` (or stop the run when onMissingUrl is 'error'). `shuffledLabels[i]` is
 * the label of the i-th document read (shuffled variant only).
 */
export function mecoFormat(
  tokenizer: Tokenizer,
  variant: LabelVariant,
  fields: RecordFields,
  options: { shuffledLabels?: string[]; onMissingUrl?: 'error' | 'skip'; skipped?: { missingUrl: number } } = {},
): (doc: CorpusDocument) => FormattedDocument | null {
  let index = 0;
  return (doc) => {
    const url = recordUrl(doc, fields.urlField);
    if (url === null) {
      if (options.onMissingUrl === 'error')
        throw new LmlabError(
          `${doc.file}:${doc.line}: document has no "${fields.urlField}" field (use --skip-bad to skip and count such documents)`,
        );
      if (options.skipped) options.skipped.missingUrl += 1;
      return null;
    }
    const shuffled = options.shuffledLabels ? options.shuffledLabels[index] : undefined;
    index += 1;
    const label = labelFor(variant, url, shuffled);
    const sourceValue = fields.sourceField ? doc.record[fields.sourceField] : undefined;
    const source = typeof sourceValue === 'string' && sourceValue.length > 0 ? sourceValue : labelFor('domain', url)!;
    const { tokens, mask } = layoutDocument(tokenizer, doc.text, label);
    return { tokens, mask, source };
  };
}
