// `lmlab data tokenize`: corpus files → token shards for `lmlab train`.
import type { Command } from 'commander';
import { loadTokenizer } from '../tokenizer/index.ts';
import { tokenizeCorpus } from '../train/tokenize.ts';
import { ProgressLine } from './progress.ts';
import { integerFlag } from './flags.ts';

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('prepare training data');
  data
    .command('tokenize')
    .description('tokenize JSONL ({"text": ...} per line) or plain-text files (one document each) into shards')
    .argument('<inputs...>', 'files or directories')
    .requiredOption('--tokenizer <file>', 'tokenizer.json (from `lmlab tokenizer train`)')
    .requiredOption('--out <dir>', 'output dataset directory')
    .option('--text-field <name>', 'JSONL field holding the text', 'text')
    .option('--source-field <name>', 'JSONL field naming the document source (kept for per-source evaluation)')
    .option('--skip-bad', 'skip (and count) malformed JSONL records instead of stopping', false)
    .option('--shard-tokens <n>', 'tokens per shard', String(1 << 24))
    .action(
      async (
        inputs: string[],
        f: {
          tokenizer: string;
          out: string;
          textField: string;
          sourceField?: string;
          skipBad: boolean;
          shardTokens: string;
        },
      ) => {
        const shardTokens = integerFlag('--shard-tokens', f.shardTokens, 1);
        const tokenizer = await loadTokenizer(f.tokenizer);
        const progress = new ProgressLine();
        const t0 = performance.now();
        const result = await tokenizeCorpus(inputs, f.out, tokenizer, {
          textField: f.textField,
          sourceField: f.sourceField,
          onBadRecord: f.skipBad ? 'skip' : 'error',
          shardTokens,
          meta: { tokenizer: f.tokenizer, inputs },
          onProgress: (s) =>
            progress.update(`${s.documents} documents, ${(s.bytes / 1e6).toFixed(1)} MB, ${s.tokens} tokens`),
        });
        progress.done();
        const seconds = (performance.now() - t0) / 1000;
        const skipped = Object.entries(result.stats.skipped)
          .map(([why, n]) => `${n} ${why}`)
          .join(', ');
        console.log(
          `${result.stats.documents} documents (${(result.stats.bytes / 1e6).toFixed(1)} MB) → ${result.tokens} tokens in ${result.shards.length} shard(s) at ${f.out} ` +
            `(${(result.stats.bytes / 1e6 / seconds).toFixed(1)} MB/s)${skipped ? `; skipped: ${skipped}` : ''}`,
        );
      },
    );
}
