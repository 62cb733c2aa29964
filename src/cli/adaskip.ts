// `lmlab adaskip …`: calibrate a model's sublayer profile, print its per-sublayer similarity
// table, show which sublayers a method skips, and benchmark skipping speed on a random-weight
// model. Argument checking and printing only; the work is in src/adaskip/.
import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from './errors.ts';
import { LlamaModel } from '../model/llama.ts';
import { describeConfig } from '../model/config.ts';
import { loadModelDir } from '../model/load.ts';
import type { Tokenizer } from '../tokenizer/index.ts';
import { calibrate, readPrompts, similarityTable } from '../adaskip/calibrate.ts';
import {
  formatBenchTable,
  parseShape,
  QUICK_SHAPE,
  REFERENCE_SHAPE,
  runAdaSkipBench,
} from '../adaskip/experiment/bench.ts';
import { createAdaSkipHooks } from '../adaskip/controller.ts';
import { checkAlpha, DEFAULT_ALPHA, METHODS, parseMethod, parseMode, type SkipMethod } from '../adaskip/plan.ts';
import { loadProfile, saveProfile } from '../adaskip/profile.ts';
import { integerFlag as integer, numberFlag, numberListFlag } from './flags.ts';
import { KV_CACHE_DEFAULT, KV_CACHE_FLAG, KV_CACHE_HELP, applyKvCacheFlag } from './kv-cache-flag.ts';
import { ProgressLine } from './progress.ts';
import { heldOutParagraphs, recipePaths, runRecipe } from '../adaskip/experiment/recipe.ts';
import { runEvaluation } from '../adaskip/experiment/evaluation.ts';
import { latestCheckpoint } from '../train/checkpoint.ts';

const PROFILE_NAME = 'adaskip-profile.json';

const numberList = (name: string, value: string): number[] => numberListFlag(name, value);

interface ModelFlags {
  random?: string;
  seed: string;
}

/** A model directory, or a random-weight model of a shape (--random). */
async function openModel(
  dir: string | undefined,
  flags: ModelFlags,
): Promise<{ model: LlamaModel; tokenizer: Tokenizer | null; dir: string | null }> {
  if (flags.random !== undefined) {
    if (dir !== undefined) throw new LmlabError('give either a model directory or --random SHAPE, not both');
    return {
      model: LlamaModel.initialised(parseShape(flags.random), integer('--seed', flags.seed, 0)),
      tokenizer: null,
      dir: null,
    };
  }
  if (dir === undefined)
    throw new LmlabError('give a model directory (config.json + model.safetensors) or --random SHAPE');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new LmlabError(`model directory not found: ${dir}`);
  const loaded = await loadModelDir(dir);
  return { model: loaded.model, tokenizer: loaded.tokenizer, dir };
}

function defaultProfilePath(dir: string | null, given: string | undefined, what: string): string {
  if (given !== undefined) return given;
  if (dir === null) throw new LmlabError(`${what} for a --random model needs an explicit profile path`);
  return join(dir, PROFILE_NAME);
}

const randomHelp = `random-weight model of a shape instead of a directory, e.g. "${REFERENCE_SHAPE}"`;

export function registerAdaskipCommands(program: Command): void {
  const adaskip = program
    .command('adaskip')
    .description('AdaSkip: adaptive sublayer skipping (calibrate a profile, inspect it, benchmark skipping)');

  adaskip
    .command('calibrate')
    .description('learn per-sublayer importance from calibration prompts (no skipping) and save a profile')
    .argument('[model]', 'model directory (config.json, model.safetensors, tokenizer.json for text prompts)')
    .requiredOption('--prompts <file>', 'JSONL of {"text": ...} (or {"tokens": [...]}) calibration prompts')
    .option('--count <n>', 'calibration requests (first lines of the file)', '20')
    .option('--out <file>', `profile to write (default: MODEL/${PROFILE_NAME})`)
    .option('--chunk <n>', 'prefill chunk size in tokens', '512')
    .option(KV_CACHE_FLAG, KV_CACHE_HELP, KV_CACHE_DEFAULT)
    .option('--random <shape>', randomHelp)
    .option('--seed <n>', 'weight seed for --random', '1')
    .action(
      async (
        dir: string | undefined,
        f: ModelFlags & { prompts: string; count: string; out?: string; chunk: string; kvCache?: string },
      ) => {
        applyKvCacheFlag(f.kvCache);
        const { model, tokenizer, dir: modelDir } = await openModel(dir, f);
        const out = defaultProfilePath(modelDir, f.out, 'calibrate');
        const prompts = readPrompts(f.prompts, tokenizer, model.config.vocabSize, integer('--count', f.count, 1));
        const t0 = performance.now();
        const profile = calibrate(model, prompts, {
          chunk: integer('--chunk', f.chunk, 1),
          onRequest: (i, n) => process.stderr.write(`request ${i + 1}/${prompts.length}: ${n} tokens\n`),
        });
        saveProfile(profile, out);
        console.log(
          `calibrated ${describeConfig(model.config)} on ${profile.calibration.requests} requests (${profile.calibration.tokens} tokens) in ${((performance.now() - t0) / 1000).toFixed(1)} s; profile written to ${out}`,
        );
      },
    );

  adaskip
    .command('profile')
    .description('print the per-sublayer similarity table (from a saved profile, or calibrated now with --prompts)')
    .argument('[model]', 'model directory')
    .option('--profile <file>', `saved profile (default: MODEL/${PROFILE_NAME})`)
    .option('--prompts <file>', 'calibrate on these prompts now instead of reading a profile')
    .option('--count <n>', 'calibration requests with --prompts', '20')
    .option('--random <shape>', randomHelp)
    .option('--seed <n>', 'weight seed for --random', '1')
    .action(async (dir: string | undefined, f: ModelFlags & { profile?: string; prompts?: string; count: string }) => {
      const { model, tokenizer, dir: modelDir } = await openModel(dir, f);
      const profile =
        f.prompts !== undefined
          ? calibrate(model, readPrompts(f.prompts, tokenizer, model.config.vocabSize, integer('--count', f.count, 1)))
          : loadProfile(defaultProfilePath(modelDir, f.profile, 'profile'), model);
      console.log(similarityTable(profile).join('\n'));
    });

  adaskip
    .command('plan')
    .description('print which sublayers a method skips for a budget')
    .argument('[model]', 'model directory')
    .option('--profile <file>', `saved profile (default: MODEL/${PROFILE_NAME})`)
    .option('--method <name>', `one of ${METHODS.filter((m) => m !== 'cost-aware').join(', ')}`, 'adaskip')
    .option('--alpha <a>', 'fraction of the 2L sublayers to skip, in [0, 1)', String(DEFAULT_ALPHA))
    .option('--skip-count <n>', 'explicit number of sublayers to skip (overrides --alpha)')
    .option('--mode <mode>', 'prefill, decode or e2e', 'e2e')
    .option('--random <shape>', randomHelp)
    .option('--seed <n>', "weight seed for --random, and the random baseline's seed", '1')
    .action(
      async (
        dir: string | undefined,
        f: ModelFlags & { profile?: string; method: string; alpha: string; skipCount?: string; mode: string },
      ) => {
        const method = parseMethod(f.method);
        if (method === 'cost-aware')
          throw new LmlabError('cost-aware selection needs measured sublayer times: use lmlab adaskip bench');
        const mode = parseMode(f.mode);
        const alpha = checkAlpha(numberFlag('--alpha', f.alpha));
        const { model, dir: modelDir } = await openModel(dir, f);
        const needsProfile =
          method === 'adaskip' || method === 'static' || method === 'shortgpt' || f.profile !== undefined;
        const profile = needsProfile ? loadProfile(defaultProfilePath(modelDir, f.profile, 'plan'), model) : null;
        const controller = createAdaSkipHooks(model, profile, {
          method,
          mode,
          alpha,
          seed: integer('--seed', f.seed, 0),
          ...(f.skipCount !== undefined ? { n: integer('--skip-count', f.skipCount, 0) } : {}),
        });
        const s = controller.stats();
        console.log(
          `${method}, mode ${mode}: skips ${s.offlineCount} of ${2 * model.config.layers} sublayers: ${s.offline}`,
        );
        if (Number.isFinite(s.tau)) console.log(`online threshold τ = ${s.tau.toFixed(6)}`);
        console.log(`layers without a KV cache: ${s.noCacheLayers.length ? s.noCacheLayers.join(', ') : 'none'}`);
      },
    );

  adaskip
    .command('bench')
    .description(
      'speed of dense vs each skipping method on a random-weight model: TTFT, decode tok/s, KV bytes, FLOP share, ratios to dense',
    )
    .option('--shape <shape>', `model shape (default ${REFERENCE_SHAPE})`)
    .option('--contexts <list>', 'prompt lengths', '512,2048,8192')
    .option('--alphas <list>', 'budgets α', '0.125,0.25,0.375')
    .option('--methods <list>', `methods in e2e mode (default all: ${METHODS.join(',')})`)
    .option('--mode-methods <list>', 'methods also run in prefill and decode modes', 'adaskip,static')
    .option('--no-speculative', 'skip the self-speculative runs (AdaSkip drafts, dense verifies)')
    .option('--decode-tokens <n>', 'tokens decoded after each prompt', '32')
    .option('--calibration <n>', 'calibration requests (random tokens)', '4')
    .option('--calibration-tokens <n>', 'tokens per calibration request', '1024')
    .option('--chunk <n>', 'prefill chunk size', '512')
    .option(KV_CACHE_FLAG, KV_CACHE_HELP, KV_CACHE_DEFAULT)
    .option('--seed <n>', 'weight and prompt seed', '1')
    .option('--repeats <n>', 'timed runs of every configuration, interleaved (medians reported)', '3')
    .option('--quant <type>', 'keep the matrices quantized in memory: q8_0 or q4_k (default f32)')
    .option('--quick', `smoke size: shape ${QUICK_SHAPE}, contexts 128,256, α 0.25, 8 decode tokens, 1 repeat`)
    .option('--json', 'print the report as JSON')
    .action(
      (f: {
        shape?: string;
        contexts: string;
        alphas: string;
        methods?: string;
        decodeTokens: string;
        calibration: string;
        calibrationTokens: string;
        chunk: string;
        kvCache?: string;
        seed: string;
        repeats: string;
        quant?: string;
        quick?: boolean;
        json?: boolean;
      }) => {
        const quant = f.quant === undefined || f.quant === 'f32' ? undefined : f.quant.toUpperCase();
        if (quant !== undefined && quant !== 'Q8_0' && quant !== 'Q4_K')
          throw new LmlabError(`--quant must be f32, q8_0 or q4_k, got ${f.quant}`);
        applyKvCacheFlag(f.kvCache);
        const quick = Boolean(f.quick);
        const config = parseShape(f.shape ?? '', quick ? QUICK_SHAPE : REFERENCE_SHAPE);
        const alphas = quick && f.alphas === '0.125,0.25,0.375' ? [0.25] : numberList('--alphas', f.alphas);
        alphas.forEach(checkAlpha);
        const methods: SkipMethod[] = f.methods ? f.methods.split(',').map((m) => parseMethod(m.trim())) : [...METHODS];
        const report = runAdaSkipBench({
          config,
          contexts: (quick && f.contexts === '512,2048,8192' ? [128, 256] : numberList('--contexts', f.contexts)).map(
            (t) => integer('--contexts', String(t), 1),
          ),
          alphas,
          methods,
          decodeTokens: quick && f.decodeTokens === '32' ? 8 : integer('--decode-tokens', f.decodeTokens, 1),
          calibrationRequests: integer('--calibration', f.calibration, 1),
          calibrationLength:
            quick && f.calibrationTokens === '1024' ? 128 : integer('--calibration-tokens', f.calibrationTokens, 1),
          seed: integer('--seed', f.seed, 0),
          chunk: integer('--chunk', f.chunk, 1),
          repeats: quick && f.repeats === '3' ? 1 : integer('--repeats', f.repeats, 1),
          quant,
          log: (line) => process.stderr.write(line + '\n'),
        });
        if (f.json) console.log(JSON.stringify(report));
        else {
          console.log(
            `${report.model}; statistics collection: ${(report.collection.observerShare * 100).toFixed(2)}% of prefill time in the observer (wall clock ${(report.collection.overhead * 100).toFixed(1)}% vs without, interleaved)`,
          );
          console.log(formatBenchTable(report).join('\n'));
        }
      },
    );

  adaskip
    .command('train-model')
    .description(
      'the committed recipe for the evaluation model: 16 layers × width 64, context 2048, natural text + generated long-context tasks (resumable)',
    )
    .option(
      '--work <dir>',
      'work directory (data, tokenizer, config, run); re-run to resume',
      '.lmlab-cache/adaskip-model',
    )
    .option(
      '--minutes <n>',
      'training time budget; steps are sized from the measured throughput when the run starts',
      '100',
    )
    .option('--task-documents <n>', 'generated task documents in the training mix', '30000')
    .option('--drill-documents <n>', 'short copy and lookup drills in the training mix (0 for none)', '60000')
    .option('--seed <n>', 'seed of the data mix and the initialisation', '1')
    .action(
      async (f: { work: string; minutes: string; taskDocuments: string; drillDocuments: string; seed: string }) => {
        const progress = new ProgressLine();
        const { runDir, config } = await runRecipe({
          work: f.work,
          minutes: numberFlag('--minutes', f.minutes, { min: 0.1 }),
          taskDocuments: integer('--task-documents', f.taskDocuments, 1),
          drillDocuments: integer('--drill-documents', f.drillDocuments, 0),
          seed: integer('--seed', f.seed, 0),
          say: (line) => progress.log(line),
          onProgress: (line) => progress.update(line),
        });
        progress.done();
        console.log(`trained ${config.steps} steps; model in ${runDir} (latest checkpoint)`);
      },
    );

  adaskip
    .command('evaluate')
    .description(
      'quality per task and speed of dense vs every method at every α on the recipe model, plus the random-weight speed benchmark at 512/2048/8192; writes the report (resumable)',
    )
    .option(
      '--recipe <dir>',
      'work directory of `lmlab adaskip train-model` (model, tokenizer, held-out text)',
      '.lmlab-cache/adaskip-model',
    )
    .option('--work <dir>', 'where stage results are kept; re-run to resume', '.lmlab-cache/adaskip-eval')
    .option('--out <file>', 'report path', 'docs/results/adaskip.md')
    .option(
      '--seeds <list>',
      'test-prompt seeds (each draws its own prompts; time ratios get intervals over seeds)',
      '1,2,3',
    )
    .option('--prompts-per-task <n>', 'test prompts per task and seed', '5')
    .option('--prompt-tokens <n>', 'prompt length in tokens (about)', '1536')
    .option('--alphas <list>', 'budgets α', '0.125,0.25,0.375')
    .option('--methods <list>', `methods in e2e mode (default all: ${METHODS.join(',')})`)
    .option('--mode-methods <list>', 'methods also run in prefill and decode modes', 'adaskip,static')
    .option('--no-speculative', 'skip the self-speculative runs (AdaSkip drafts, dense verifies)')
    .option('--calibration <n>', 'calibration requests', '20')
    .option('--perplexity-passages <n>', 'held-out natural passages for perplexity', '6')
    .option('--speed-contexts <list>', 'prompt lengths of the speed benchmark', '512,2048,8192')
    .option('--speed-repeats <n>', 'timed repeats in the speed benchmark', '3')
    .option('--reference-shape <shape>', `larger random-weight shape for speed ("none" to skip)`, REFERENCE_SHAPE)
    .option('--chunk <n>', 'prefill chunk size', '512')
    .action(
      async (f: {
        recipe: string;
        work: string;
        out: string;
        seeds: string;
        promptsPerTask: string;
        promptTokens: string;
        alphas: string;
        methods?: string;
        modeMethods: string;
        speculative: boolean;
        calibration: string;
        perplexityPassages: string;
        speedContexts: string;
        speedRepeats: string;
        referenceShape: string;
        chunk: string;
      }) => {
        const paths = recipePaths(f.recipe);
        const modelDir = latestCheckpoint(paths.run);
        if (!modelDir || !existsSync(paths.heldoutText))
          throw new LmlabError(
            `no trained recipe model in ${f.recipe}: run \`lmlab adaskip train-model --work ${f.recipe}\` first`,
          );
        const loaded = await loadModelDir(modelDir);
        if (!loaded.tokenizer) throw new LmlabError(`${modelDir} has no tokenizer.json`);
        const alphas = numberList('--alphas', f.alphas);
        alphas.forEach(checkAlpha);
        const state = existsSync(join(modelDir, 'state.json'))
          ? (JSON.parse(readFileSync(join(modelDir, 'state.json'), 'utf8')) as { step?: number })
          : {};
        const command = [
          'lmlab',
          'adaskip',
          'evaluate',
          ...process.argv.slice(process.argv.indexOf('evaluate') + 1),
        ].join(' ');
        runEvaluation({
          model: loaded.model,
          tokenizer: loaded.tokenizer,
          paragraphs: heldOutParagraphs(paths),
          training: `\`lmlab adaskip train-model --work ${f.recipe}\` (src/adaskip/experiment/recipe.ts), checkpoint ${modelDir}${state.step !== undefined ? ` at step ${state.step}` : ''}.`,
          work: f.work,
          reportPath: f.out,
          command,
          seeds: numberList('--seeds', f.seeds).map((s) => integer('--seeds', String(s), 0)),
          promptsPerTask: integer('--prompts-per-task', f.promptsPerTask, 1),
          promptTokens: integer('--prompt-tokens', f.promptTokens, 64),
          alphas,
          methods: f.methods ? f.methods.split(',').map((m) => parseMethod(m.trim())) : [...METHODS],
          modeMethods: f.modeMethods
            .split(',')
            .filter((m) => m.trim())
            .map((m) => parseMethod(m.trim())),
          speculative: f.speculative,
          calibrationPrompts: integer('--calibration', f.calibration, 2),
          perplexityPassages: integer('--perplexity-passages', f.perplexityPassages, 1),
          chunk: integer('--chunk', f.chunk, 1),
          speedContexts: numberList('--speed-contexts', f.speedContexts).map((t) =>
            integer('--speed-contexts', String(t), 1),
          ),
          speedRepeats: integer('--speed-repeats', f.speedRepeats, 1),
          referenceShape: f.referenceShape === 'none' ? null : parseShape(f.referenceShape),
          referenceMethods: ['adaskip', 'static', 'random', 'cost-aware'],
          log: (line) => process.stderr.write(line + '\n'),
        });
      },
    );
}
