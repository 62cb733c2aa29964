// `lmlab meco ...`: MeCo as a tool — build a labelled corpus, tokenize it per label variant,
// write the two-stage training config, score documents under labels, export packed data as MDS
// shards, and run the small-scale reproduction of the MeCo paper's claims.
import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadTokenizer } from '../tokenizer/index.ts';
import { loadModelDir } from '../model/load.ts';
import { emptyStats } from '../data/documents.ts';
import { buildCorpus } from '../meco/experiment/corpus.ts';
import { type LabelledDocument, parseGranularity, stdlibDocuments, userDocuments } from '../meco/experiment/sources.ts';
import { debianDocuments } from '../meco/experiment/debian.ts';
import { parseVariant, type LabelVariant } from '../meco/domain.ts';
import { prepareDatasets } from '../meco/experiment/prepare.ts';
import { mecoTrainConfig } from '../meco/schedule.ts';
import { DocumentScorer, loadEvalDocuments, wrongLabels } from '../meco/experiment/evaluate.ts';
import { extractDomain } from '../meco/domain.ts';
import { exportMds, exportTrainingRows } from '../meco/experiment/mds.ts';
import { loadTrainConfig } from '../train/config.ts';
import { parseScale } from '../meco/experiment/plan.ts';
import { runExperiment } from '../meco/experiment/runs.ts';
import { ProgressLine } from './progress.ts';
import { numberFlag } from './flags.ts';
import { LmlabError } from './errors.ts';
import { writeAtomic } from '../util/atomic.ts';

const int = (name: string, value: string, min = 0) => numberFlag(name, value, { integer: true, min });
const fraction = (name: string, value: string) => numberFlag(name, value, { min: 0, max: 1 });
const positive = (name: string, value: string) => numberFlag(name, value, { positive: true });

interface CorpusFlags {
  out: string;
  granularity: string;
  stdlib: boolean;
  input: string[];
  debian?: string[];
  cache: string;
  skipMissing: boolean;
  textField: string;
  urlField: string;
  skipBad: boolean;
  seed: string;
  evalFraction: string;
  cooldownFraction: string;
  holdoutLabel: string[];
  holdoutFraction: string;
  maxChars: string;
  limit: string;
}

export function registerMecoCommands(program: Command): void {
  const meco = program
    .command('meco')
    .description(
      'MeCo: metadata conditioning then cooldown (corpus, training config, scoring, MDS export, experiment)',
    );

  meco
    .command('corpus')
    .description(
      'build a labelled JSONL corpus ({"text","url","source"}) split into train / cooldown / eval / held-out labels',
    )
    .requiredOption('--out <dir>', 'output directory')
    .option('--granularity <g>', 'label granularity: coarse, medium or fine', 'fine')
    .option('--no-stdlib', 'leave out the npm-installed @stdlib corpora (State of the Union, SpamAssassin, Moby Dick)')
    .option('--input <files...>', 'your own JSONL or Parquet files with a text and a url field (streamed)', [])
    .option(
      '--debian [packages...]',
      'add Debian documentation corpora (apt-get download + dpkg-deb -x, nothing installed); default: all known',
    )
    .option('--cache <dir>', 'download cache for --debian', '.lmlab-cache/meco-debian')
    .option('--skip-missing', 'skip (and count) Debian packages that cannot be downloaded instead of stopping', false)
    .option('--text-field <name>', 'text field of --input records', 'text')
    .option('--url-field <name>', 'URL field of --input records', 'url')
    .option('--skip-bad', 'skip and count malformed records and documents without a URL instead of stopping', false)
    .option('--seed <n>', 'seed of the splits', '1')
    .option('--eval-fraction <f>', "share of each label's documents for evaluation", '0.1')
    .option('--cooldown-fraction <f>', "share of each label's documents for the cooldown stage", '0.1')
    .option('--holdout-label <label...>', 'labels kept out of training entirely', [])
    .option('--holdout-fraction <f>', 'also hold out this share of labels (chosen by a hash of the label)', '0.05')
    .option('--max-chars <n>', 'cut longer documents at paragraph boundaries (0 = never)', '4000')
    .option('--limit <n>', 'stop after this many documents (0 = all)', '0')
    .addHelpText(
      'after',
      '\nMalformed JSONL lines and documents without a URL stop the build with file:line unless --skip-bad (then they are counted in corpus.json).',
    )
    .action(async (f: CorpusFlags) => {
      const g = parseGranularity(f.granularity);
      const skipped: Record<string, number> = {};
      const stats = emptyStats();
      stats.skipped = skipped; // one tally for every source, reported in corpus.json
      const progress = new ProgressLine();
      async function* all(): AsyncGenerator<LabelledDocument> {
        if (f.stdlib) yield* stdlibDocuments(g, skipped);
        if (f.input.length)
          yield* userDocuments(f.input, {
            textField: f.textField,
            urlField: f.urlField,
            onBadRecord: f.skipBad ? 'skip' : 'error',
            stats,
          });
        if (f.debian !== undefined) {
          const { DEBIAN_CORPORA } = await import('../meco/experiment/debian.ts');
          const packages =
            f.debian === (true as unknown) || (Array.isArray(f.debian) && f.debian.length === 0)
              ? DEBIAN_CORPORA.map((c) => c.package)
              : f.debian;
          yield* debianDocuments(packages, { cacheDir: f.cache, granularity: g, skipMissing: f.skipMissing }, skipped);
        }
      }
      if (!f.stdlib && !f.input.length && f.debian === undefined)
        throw new LmlabError('no sources: give --input files, --debian, or keep the stdlib corpora');
      const manifest = await buildCorpus(
        all(),
        f.out,
        {
          seed: int('--seed', f.seed),
          evalFraction: fraction('--eval-fraction', f.evalFraction),
          cooldownFraction: fraction('--cooldown-fraction', f.cooldownFraction),
          holdoutLabels: f.holdoutLabel,
          holdoutFraction: fraction('--holdout-fraction', f.holdoutFraction),
          maxChars: int('--max-chars', f.maxChars),
          limit: int('--limit', f.limit),
        },
        skipped,
      );
      progress.done();
      const why = Object.entries(manifest.skipped)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      const d = manifest.documents;
      console.log(
        `${f.out}: ${d.train} train, ${d.cooldown} cooldown, ${d.eval} eval, ${d.heldout} held-out documents; ${Object.keys(manifest.labels).length} labels; ${manifest.duplicates} duplicates dropped${why ? `; skipped: ${why}` : ''}`,
      );
    });

  meco
    .command('prepare')
    .description(
      'tokenize a corpus directory into shard datasets: train per label variant, cooldown and eval in the standard layout',
    )
    .argument('<corpus>', 'directory from `lmlab meco corpus`')
    .requiredOption('--tokenizer <file>', 'tokenizer.json')
    .requiredOption('--out <dir>', 'datasets directory')
    .option(
      '--variants <names...>',
      'label variants for stage 1: domain, url, registered, hashed, constant, shuffled, none',
      ['domain'],
    )
    .option('--seed <n>', 'seed of the shuffled-label permutation', '1')
    .option('--skip-bad', 'skip and count bad records instead of stopping', false)
    .action(
      async (
        corpus: string,
        f: { tokenizer: string; out: string; variants: string[]; seed: string; skipBad: boolean },
      ) => {
        const variants: LabelVariant[] = f.variants.map(parseVariant);
        const tokenizer = await loadTokenizer(f.tokenizer);
        await prepareDatasets(tokenizer, corpus, f.out, variants, {
          tokenizerPath: f.tokenizer,
          seed: int('--seed', f.seed),
          onBadRecord: f.skipBad ? 'skip' : 'error',
        });
        console.log(
          `datasets written under ${f.out} (train, ${variants
            .filter((v) => v !== 'none')
            .map((v) => `train-${v}`)
            .join(', ')}${variants.length ? ', ' : ''}cooldown, eval)`,
        );
      },
    );

  meco
    .command('config')
    .description(
      'write the two-stage MeCo training config for `lmlab train` (metadata for the first --fraction of steps, then cooldown)',
    )
    .requiredOption('--data <dir>', 'datasets directory from `lmlab meco prepare`')
    .requiredOption(
      '--model <json>',
      'model config as JSON, e.g. \'{"vocabSize":2048,"dim":128,"layers":4,"heads":4,"kvHeads":4,"ffnHidden":352,"maxSeqLen":256}\'',
    )
    .requiredOption('--steps <n>', 'optimizer steps')
    .option('--variant <name>', 'label variant of stage 1', 'domain')
    .option('--fraction <f>', 'share of steps with metadata: 0.9 (paper), 0 = baseline, 1 = no cooldown', '0.9')
    .option('--rows <n>', 'rows per step', '8')
    .option('--seq-len <n>', 'tokens per row', '256')
    .option('--seed <n>', 'seed', '1')
    .option('--lr <x>', 'peak learning rate', '3e-3')
    .option('--out <file>', 'write the config here instead of stdout')
    .action(
      (f: {
        data: string;
        model: string;
        steps: string;
        variant: string;
        fraction: string;
        rows: string;
        seqLen: string;
        seed: string;
        lr: string;
        out?: string;
      }) => {
        let model: unknown;
        try {
          model = JSON.parse(f.model);
        } catch {
          throw new LmlabError('--model must be a JSON object');
        }
        const config = mecoTrainConfig({
          model: model as never,
          dataRoot: f.data,
          variant: parseVariant(f.variant),
          fraction: fraction('--fraction', f.fraction),
          steps: int('--steps', f.steps, 1),
          rows: int('--rows', f.rows, 1),
          seqLen: int('--seq-len', f.seqLen, 2),
          seed: int('--seed', f.seed),
          lr: positive('--lr', f.lr),
        });
        const text = JSON.stringify(config, null, 1) + '\n';
        if (f.out) {
          mkdirSync(dirname(f.out), { recursive: true });
          writeAtomic(f.out, text);
          console.log(
            `config written to ${f.out} (stages: ${config.stages.map((s) => `${s.name} until ${s.until ?? 1}`).join(' → ')})`,
          );
        } else process.stdout.write(text);
      },
    );

  meco
    .command('score')
    .description(
      "per-document loss under no label, the true label, a wrong label (another source's) and an optional given label",
    )
    .argument('<model>', 'model directory')
    .requiredOption('--file <jsonl>', 'documents with "text" and "url" (e.g. a corpus eval.jsonl)')
    .option('--label <domain>', 'also score every document under this label')
    .option('--per-source <n>', 'documents per source at most', '1000000')
    .option('--max-tokens <n>', 'score at most this many tokens per document including BOS and label', '512')
    .option('--json', 'one JSON line per document', false)
    .action(
      async (
        modelDir: string,
        f: { file: string; label?: string; perSource: string; maxTokens: string; json: boolean },
      ) => {
        const { model, tokenizer } = await loadModelDir(modelDir, { requireTokenizer: true });
        const docs = await loadEvalDocuments(f.file, int('--per-source', f.perSource, 1));
        if (docs.length === 0) throw new LmlabError(`${f.file}: no documents with a "url"`);
        const scorer = new DocumentScorer(
          model,
          tokenizer!,
          Math.min(int('--max-tokens', f.maxTokens, 2), model.config.maxSeqLen),
        );
        const wrong = wrongLabels(docs);
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        const totals = { none: 0, true: 0, wrong: 0, given: 0 };
        for (const d of docs) {
          const row = {
            url: d.url,
            source: d.source,
            none: mean(scorer.score(d.text, null)),
            true: mean(scorer.score(d.text, extractDomain(d.url))),
            wrong_label: wrong.get(d.source)!,
            wrong: mean(scorer.score(d.text, wrong.get(d.source)!)),
            ...(f.label !== undefined ? { given_label: f.label, given: mean(scorer.score(d.text, f.label)) } : {}),
          };
          totals.none += row.none;
          totals.true += row.true;
          totals.wrong += row.wrong;
          totals.given += (row as { given?: number }).given ?? 0;
          if (f.json) console.log(JSON.stringify(row));
          else
            console.log(
              `${d.url}\tnone ${row.none.toFixed(4)}\ttrue ${row.true.toFixed(4)}\twrong ${row.wrong.toFixed(4)} (${row.wrong_label})${f.label !== undefined ? `\tgiven ${(row as { given?: number }).given!.toFixed(4)}` : ''}`,
            );
        }
        const n = docs.length;
        console.error(
          `${n} documents, mean loss (nats/token): none ${(totals.none / n).toFixed(4)}, true label ${(totals.true / n).toFixed(4)}, wrong label ${(totals.wrong / n).toFixed(4)}${f.label !== undefined ? `, "${f.label}" ${(totals.given / n).toFixed(4)}` : ''}`,
        );
      },
    );

  meco
    .command('export-mds')
    .description(
      "write packed rows as MosaicML Streaming (MDS) shards in the MeCo authors' schema (input_ids, mask, indices, length, domain)",
    )
    .argument('<dataset>', 'shard dataset directory (e.g. <data>/train-domain); with --train-config, the stage number')
    .requiredOption('--out <dir>', 'output directory (index.json + shard.NNNNN.mds)')
    .option('--seq-len <n>', 'tokens per row', '8192')
    .option('--size-limit <bytes>', 'bytes per shard', String(1 << 26))
    .option('--domain <name>', 'value of the domain column', 'lmlab')
    .option(
      '--train-config <file>',
      'write the rows a training run of this config consumes for stage <dataset> (its order and epochs)',
    )
    .option('--set <key=value...>', 'with --train-config: override config fields', [])
    .action(
      (
        dataset: string,
        f: { out: string; seqLen: string; sizeLimit: string; domain: string; trainConfig?: string; set: string[] },
      ) => {
        const sizeLimit = int('--size-limit', f.sizeLimit, 1024);
        const r = f.trainConfig
          ? exportTrainingRows(loadTrainConfig(f.trainConfig, f.set), int('stage', dataset, 0), f.out, {
              sizeLimit,
              domain: f.domain,
            })
          : exportMds(dataset, f.out, int('--seq-len', f.seqLen, 2), { sizeLimit, domain: f.domain });
        console.log(`${r.samples} rows in ${r.shards} MDS shard(s) at ${f.out}`);
      },
    );

  meco
    .command('experiment')
    .description('run the small-scale reproduction of the MeCo paper (resumable) and write the report')
    .option(
      '--scale <s>',
      'smoke (seconds), small, standard (the committed report: fixed size, 3 seeds, about 40 minutes on 2 cores), or full (sized from measured throughput to finish within two hours)',
      'smoke',
    )
    .option(
      '--work <dir>',
      'work directory (corpus, tokenizer, datasets, runs); re-run to resume',
      '.lmlab-cache/meco-experiment',
    )
    .option('--report <file>', 'report path', 'docs/results/meco.md')
    .option('--tokens-per-second <n>', 'full scale: use this throughput instead of measuring it')
    .option(
      '--time-budget <minutes>',
      'full scale: wall-clock budget for the whole experiment (default 120); fixed when the experiment starts',
    )
    .option(
      '--engine <e>',
      'lmlab (this engine) or torch (the PyTorch trainer in scale/torch via torchrun; needs python3-torch or any PyTorch)',
      'lmlab',
    )
    .option('--torch-processes <n>', 'with --engine torch: processes (GPUs) per run', '1')
    .action(
      async (f: {
        scale: string;
        work: string;
        report: string;
        tokensPerSecond?: string;
        timeBudget?: string;
        engine: string;
        torchProcesses: string;
      }) => {
        if (f.engine !== 'lmlab' && f.engine !== 'torch')
          throw new LmlabError(`--engine must be lmlab or torch, got "${f.engine}"`);
        const scale = parseScale(f.scale);
        const progress = new ProgressLine();
        const command = [
          'lmlab',
          'meco',
          'experiment',
          '--scale',
          scale,
          '--work',
          f.work,
          '--report',
          f.report,
          ...(f.tokensPerSecond ? ['--tokens-per-second', f.tokensPerSecond] : []),
          ...(f.timeBudget ? ['--time-budget', f.timeBudget] : []),
          ...(f.engine === 'torch' ? ['--engine', 'torch', '--torch-processes', f.torchProcesses] : []),
        ].join(' ');
        await runExperiment({
          workDir: f.work,
          scale,
          reportPath: f.report,
          command,
          tokensPerSecond:
            f.tokensPerSecond === undefined ? undefined : positive('--tokens-per-second', f.tokensPerSecond),
          timeBudgetSeconds: f.timeBudget === undefined ? undefined : positive('--time-budget', f.timeBudget) * 60,
          say: (line) => progress.log(line),
          onProgress: (line) => progress.update(line),
          engine: f.engine,
          torchProcesses: int('--torch-processes', f.torchProcesses, 1),
        });
        progress.done();
      },
    );
}
