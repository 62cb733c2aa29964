// Tokenizes a MeCo corpus directory (train / cooldown / eval JSONL from `lmlab meco corpus`)
// into the shard datasets a run needs: the training split once per label variant (MeCo
// layout; `none` = standard layout), the cooldown and evaluation splits in the standard layout.
// Shuffled labels are a seeded permutation of the training documents' own domains, so the
// label distribution is kept and only the document↔label link is broken.
// Not here: corpus building (corpus.ts), the training run (src/train/trainer.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../util/rng.ts';
import type { Tokenizer } from '../../tokenizer/index.ts';
import { readDocuments } from '../../data/documents.ts';
import { tokenizeCorpus } from '../../train/tokenize.ts';
import { type LabelVariant, extractDomain } from '../domain.ts';
import { mecoFormat } from '../layout.ts';
import { datasetDir } from '../schedule.ts';
import { LmlabError } from '../../util/errors.ts';

export interface PrepareOptions {
  tokenizerPath: string;
  seed: number;
  urlField?: string;
  textField?: string;
  onBadRecord?: 'error' | 'skip';
  shardTokens?: number;
}

/** The domains of a JSONL file's documents in reading order, permuted with the seed. */
export async function shuffledDomains(
  file: string,
  o: Pick<PrepareOptions, 'seed' | 'urlField' | 'textField' | 'onBadRecord'>,
): Promise<string[]> {
  const urlField = o.urlField ?? 'url';
  const domains: string[] = [];
  for await (const doc of readDocuments([file], { textField: o.textField, onBadRecord: o.onBadRecord })) {
    const url = doc.record[urlField];
    if (typeof url === 'string' && url.length > 0) domains.push(extractDomain(url));
  }
  new Rng(o.seed ^ 0x5348).shuffle(domains);
  return domains;
}

/** Tokenizes one split with one variant into outDir (skipped when already complete). */
export async function prepareSplit(
  tokenizer: Tokenizer,
  file: string,
  outDir: string,
  variant: LabelVariant,
  o: PrepareOptions,
): Promise<void> {
  if (existsSync(join(outDir, 'dataset.json'))) return;
  const urlField = o.urlField ?? 'url';
  const shuffledLabels = variant === 'shuffled' ? await shuffledDomains(file, o) : undefined;
  const skipped = { missingUrl: 0 };
  await tokenizeCorpus([file], outDir, tokenizer, {
    textField: o.textField,
    onBadRecord: o.onBadRecord,
    shardTokens: o.shardTokens,
    format: mecoFormat(
      tokenizer,
      variant,
      { urlField, sourceField: 'source' },
      { shuffledLabels, onMissingUrl: o.onBadRecord ?? 'error', skipped },
    ),
    meta: { tokenizer: o.tokenizerPath, inputs: [file], variant, template: 'URL: <label>\\n\\n' },
  });
}

/** Everything the listed variants need: train-<variant>, train (standard), cooldown, eval. */
export async function prepareDatasets(
  tokenizer: Tokenizer,
  corpusDir: string,
  dataRoot: string,
  variants: LabelVariant[],
  o: PrepareOptions,
): Promise<void> {
  const input = (split: string) => join(corpusDir, `${split}.jsonl`);
  for (const split of ['train', 'cooldown', 'eval'] as const) {
    if (!existsSync(input(split)))
      throw new LmlabError(`${corpusDir} has no ${split}.jsonl (build it with \`lmlab meco corpus\`)`);
  }
  await prepareSplit(tokenizer, input('train'), datasetDir(dataRoot, 'train'), 'none', o);
  await prepareSplit(tokenizer, input('cooldown'), datasetDir(dataRoot, 'cooldown'), 'none', o);
  await prepareSplit(tokenizer, input('eval'), datasetDir(dataRoot, 'eval'), 'none', o);
  for (const v of variants)
    if (v !== 'none') await prepareSplit(tokenizer, input('train'), datasetDir(dataRoot, 'train', v), v, o);
}
