// `lmlab meco experiment`: the small-scale reproduction of the MeCo paper's claims end to end
// at a chosen scale, resumable.
//   1. corpus (stdlib corpora, fine labels) → 2. tokenizer fitted on the training split →
//   3. shard datasets per label variant → 4. (full) measured throughput → T → 5. every run of
//   plan.ts, each resumed through the trainer's checkpoints and skipped once its result.json
//   exists → 6. evaluation (no label / true / wrong, k-shot, label-conditioned generation) →
//   7. the report (report.ts). Everything lives under the work directory; the plan is saved
//   there so a resumed experiment keeps its T.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ChunkCounter, trainBpe, loadTokenizer, saveTokenizer, type Tokenizer } from '../../tokenizer/index.ts';
import { readDocuments } from '../../data/documents.ts';
import { measureThroughput, train } from '../../train/trainer.ts';
import { readDatasetIndex, readShard } from '../../train/shards.ts';
import type { LlamaModel } from '../../model/llama.ts';
import { InferenceSession } from '../../model/inference.ts';
import { generate } from '../../model/generate.ts';
import { describeConfig, parameterCount } from '../../model/config.ts';
import { flopsPerToken } from '../../model/flops.ts';
import { requireTorchPython, runTorchTrainer, torchLatestCheckpoint } from '../../train/torch.ts';
import { latestCheckpoint } from '../../train/checkpoint.ts';
import { loadModelDir } from '../../model/load.ts';
import type { TrainConfig } from '../../train/config.ts';
import { buildCorpus, type CorpusManifest } from './corpus.ts';
import { stdlibDocuments } from './sources.ts';
import { prepareDatasets } from './prepare.ts';
import { datasetDir, mecoTrainConfig } from '../schedule.ts';
import { runChecks, stepsWithoutRepeat } from './checks.ts';
import { type EvalDocument, DocumentScorer, loadEvalDocuments } from './evaluate.ts';
import { UnigramSourceClassifier } from './imitation.ts';
import { extractDomain, metadataTemplate } from '../domain.ts';
import {
  type Scale,
  type ScalePlan,
  basePlan,
  chooseFullModel,
  planRuns,
  runConfig,
  stepsForBudget,
  totalStepMultiple,
} from './plan.ts';
import { writeReport } from './report.ts';
import type { Provenance, RunResult, SavedPlan } from './results.ts';
import { LmlabError } from '../../util/errors.ts';
import { writeAtomic } from '../../util/atomic.ts';

export interface ExperimentOptions {
  workDir: string;
  scale: Scale;
  reportPath: string;
  command: string;
  /** full scale: skip measuring and use this throughput (tokens/second) */
  tokensPerSecond?: number;
  /** full scale: wall-clock budget in seconds instead of the plan's two hours */
  timeBudgetSeconds?: number;
  say?: (line: string) => void;
  onProgress?: (line: string) => void;
  /** 'lmlab' (default): this engine; 'torch': the PyTorch trainer in scale/torch (torchrun) */
  engine?: 'lmlab' | 'torch';
  /** torch engine: processes (GPUs) per run */
  torchProcesses?: number;
  /** the commit and tree state to name in the report (default: asked of git) */
  provenance?: Provenance;
}

/** The commit of the code this process runs from and whether its tree has uncommitted changes. */
export function provenance(): Provenance {
  const root = join(import.meta.dirname, '..', '..', '..');
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: 'pipe' }).trim();
    const status = execFileSync('git', ['status', '--porcelain'], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { commit, dirty: status.trim().length > 0 };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: null };
  }
}

interface TrainedRun {
  model: LlamaModel;
  lastLoss: number;
  tokensPerSecond: number;
}

/**
 * One run through the PyTorch trainer: lmlab writes the initial weights (so both engines start
 * from the same model for a seed), torchrun trains and checkpoints into the run directory
 * (resumed when re-run), and the final checkpoint is loaded back for lmlab's evaluation.
 */
async function trainWithTorch(
  config: TrainConfig,
  runDir: string,
  processes: number,
  onStep: (step: number, loss: number, rate: number) => void,
): Promise<TrainedRun> {
  const initDir = join(runDir, 'init');
  if (!latestCheckpoint(initDir)) await train(config, initDir, { initOnly: true });
  const configPath = join(runDir, 'torch-config.json');
  mkdirSync(runDir, { recursive: true });
  writeFileSync(configPath, JSON.stringify(config, null, 1));
  const r = await runTorchTrainer({
    configPath,
    runDir,
    processes,
    init: latestCheckpoint(initDir)!,
    resume: true,
    onLine: (line) => {
      const m = /step (\d+), loss ([\d.]+), (\d+) tokens\/s/.exec(line);
      if (m) onStep(Number(m[1]), Number(m[2]), Number(m[3]));
    },
  });
  const last = r.steps[r.steps.length - 1];
  const finalDir = torchLatestCheckpoint(runDir);
  if (!last || !finalDir) throw new LmlabError(`the PyTorch run in ${runDir} wrote no metrics or checkpoint`);
  const { model } = await loadModelDir(finalDir);
  return { model, lastLoss: last.loss, tokensPerSecond: last.tokensPerSecond };
}

async function ensureCorpus(dir: string, plan: ScalePlan, say: (l: string) => void): Promise<CorpusManifest> {
  const manifestPath = join(dir, 'corpus.json');
  if (existsSync(manifestPath)) return JSON.parse(readFileSync(manifestPath, 'utf8')) as CorpusManifest;
  say('building the corpus from the @stdlib corpora (fine labels)');
  const skipped: Record<string, number> = {};
  return buildCorpus(
    stdlibDocuments('fine', skipped),
    dir,
    {
      seed: 1,
      evalFraction: 0.1,
      cooldownFraction: 0.1,
      holdoutLabels: [],
      holdoutFraction: 0.05,
      maxChars: plan.maxChars,
      limit: plan.corpusLimit,
      perLabelLimit: plan.perLabelLimit,
    },
    skipped,
  );
}

async function ensureTokenizer(
  path: string,
  corpusDir: string,
  plan: ScalePlan,
  say: (l: string) => void,
): Promise<Tokenizer> {
  if (!existsSync(path)) {
    say(
      `fitting a ${plan.model.vocabSize}-token BPE tokenizer on ${plan.tokenizerChars} characters of the training split`,
    );
    const counter = new ChunkCounter();
    let chars = 0;
    for await (const doc of readDocuments([join(corpusDir, 'train.jsonl')])) {
      counter.add(doc.text);
      chars += doc.text.length;
      if (chars >= plan.tokenizerChars) break;
    }
    const { tokenizer } = trainBpe(counter, { vocabSize: plan.model.vocabSize });
    await saveTokenizer(tokenizer, path);
  }
  const tokenizer = await loadTokenizer(path);
  if (tokenizer.vocabSize > plan.model.vocabSize)
    throw new LmlabError(
      `${path} has ${tokenizer.vocabSize} tokens, more than the plan's vocabulary ${plan.model.vocabSize}`,
    );
  return tokenizer;
}

/** Steady tokens/second of the plan's model on the MeCo data (a throwaway 4-step run). */
function throughputOf(plan: ScalePlan, dataRoot: string, dir: string): Promise<number> {
  return measureThroughput(
    mecoTrainConfig({
      model: plan.model,
      dataRoot,
      variant: 'domain',
      fraction: 0.9,
      steps: 4,
      rows: plan.rows,
      seqLen: plan.seqLen,
      seed: 99,
    }),
    dir,
  );
}

async function imitationCheck(
  model: LlamaModel,
  tokenizer: Tokenizer,
  classifier: UnigramSourceClassifier,
  docs: EvalDocument[],
  plan: ScalePlan,
  seed: number,
): Promise<RunResult['imitation']> {
  const sourceIndex = new Map(classifier.sources.map((s, i) => [s, i]));
  const domains = new Map<string, string>();
  for (const d of docs)
    if (sourceIndex.has(d.source) && !domains.has(d.source)) domains.set(d.source, extractDomain(d.url));
  const chosen = [...domains].slice(0, plan.generation.sources);
  const session = new InferenceSession(model, { chunk: 256 });
  let hits = 0;
  let plainHits = 0;
  let n = 0;
  const sampling = { temperature: 0.8, topK: 0, topP: 0.95, repetitionPenalty: 1, seed };
  for (const [source, domain] of chosen) {
    for (let k = 0; k < plan.generation.samples; k++) {
      const s = { ...sampling, seed: seed * 1000 + n };
      const conditioned = generate(
        session,
        Int32Array.from([tokenizer.bosId!, ...tokenizer.encode(metadataTemplate(domain))]),
        { sampling: s, maxTokens: plan.generation.tokens, eosToken: tokenizer.eosId ?? null },
      );
      session.reset();
      const plain = generate(session, Int32Array.from([tokenizer.bosId!]), {
        sampling: s,
        maxTokens: plan.generation.tokens,
        eosToken: tokenizer.eosId ?? null,
      });
      session.reset();
      const target = sourceIndex.get(source)!;
      if (conditioned.tokens.length && classifier.classify(conditioned.tokens) === target) hits++;
      if (plain.tokens.length && classifier.classify(plain.tokens) === target) plainHits++;
      n++;
    }
  }
  return {
    conditioned: n ? hits / n : NaN,
    unconditioned: n ? plainHits / n : NaN,
    chance: chosen.length ? 1 / classifier.sources.length : NaN,
    samples: n,
  };
}

export async function runExperiment(o: ExperimentOptions): Promise<{ results: RunResult[]; saved: SavedPlan }> {
  const say = o.say ?? (() => {});
  const startedFrom = o.provenance ?? provenance();
  const engine = o.engine ?? 'lmlab';
  if (engine === 'torch') {
    const p = requireTorchPython();
    say(
      `engine: PyTorch ${p.torchVersion} (${p.python}${p.cuda ? ', CUDA' : ', CPU'}), ${o.torchProcesses ?? 1} process(es) per run`,
    );
    if (o.scale === 'full' && o.tokensPerSecond === undefined)
      throw new LmlabError(
        '--engine torch at --scale full needs --tokens-per-second (the PyTorch throughput), which sizes the plan',
      );
  }
  mkdirSync(o.workDir, { recursive: true });
  const planPath = join(o.workDir, 'plan.json');
  let saved: SavedPlan | null = existsSync(planPath) ? (JSON.parse(readFileSync(planPath, 'utf8')) as SavedPlan) : null;
  if (saved && saved.plan.scale !== o.scale)
    throw new LmlabError(
      `${o.workDir} holds a ${saved.plan.scale} experiment; use another --work directory for --scale ${o.scale}`,
    );
  const plan = saved?.plan ?? basePlan(o.scale);
  if (!saved && o.timeBudgetSeconds !== undefined) {
    if (!plan.timeBudget) throw new LmlabError('--time-budget applies to --scale full only');
    plan.timeBudget = o.timeBudgetSeconds;
  }
  const corpusDir = join(o.workDir, 'corpus');
  const dataRoot = join(o.workDir, 'data');
  const tokenizerPath = join(o.workDir, 'tokenizer.json');
  const manifest = await ensureCorpus(corpusDir, plan, say);
  const tokenizer = await ensureTokenizer(tokenizerPath, corpusDir, plan, say);
  say('tokenizing the splits for every label variant (skipped when done)');
  await prepareDatasets(tokenizer, corpusDir, dataRoot, ['domain', 'constant', 'shuffled', 'hashed'], {
    tokenizerPath,
    seed: 1,
  });

  if (!saved) {
    let tokensPerSecond: number | null = o.tokensPerSecond ?? null;
    if (plan.timeBudget && tokensPerSecond === null) {
      say('measuring training throughput of the model (4 steps)');
      tokensPerSecond = await throughputOf(plan, dataRoot, join(o.workDir, 'throughput-probe'));
    }
    const measured = tokensPerSecond;
    if (plan.timeBudget) {
      const measuredModel = plan.model;
      const chosen = chooseFullModel(plan, tokensPerSecond!, plan.timeBudget, parameterCount, (c) =>
        flopsPerToken(c, plan.seqLen),
      );
      plan.model = chosen.model;
      plan.steps = chosen.steps;
      say(
        `measured ${tokensPerSecond!.toFixed(0)} tokens/s on ${describeConfig(measuredModel)}; chose ${describeConfig(plan.model)} (estimated ${chosen.tokensPerSecond.toFixed(0)} tokens/s)`,
      );
      tokensPerSecond = chosen.tokensPerSecond;
      if (JSON.stringify(plan.model) !== JSON.stringify(measuredModel) && o.tokensPerSecond === undefined) {
        // FLOPs scaling flatters small models (fixed per-step costs weigh more): measure the chosen one too
        tokensPerSecond = await throughputOf(plan, dataRoot, join(o.workDir, 'throughput-probe'));
        plan.steps = stepsForBudget(plan, tokensPerSecond, plan.timeBudget);
        say(`measured ${tokensPerSecond.toFixed(0)} tokens/s on the chosen model → T = ${plan.steps} steps`);
      }
    }
    const uncapped = plan.steps;
    plan.steps = stepsWithoutRepeat(plan, dataRoot);
    if (plan.steps < uncapped)
      say(`T lowered from ${uncapped} to ${plan.steps} steps so that no run reads a training document twice`);
    const expectedSeconds = tokensPerSecond
      ? (totalStepMultiple(plan) * plan.steps * plan.rows * plan.seqLen) / tokensPerSecond
      : null;
    saved = {
      plan,
      measuredTokensPerSecond: measured ?? undefined,
      tokensPerSecond,
      expectedSeconds,
      startedAt: new Date().toISOString(),
      startedFrom,
      ...(plan.steps < uncapped ? { stepsBeforeCap: uncapped } : {}),
    };
    writeAtomic(planPath, JSON.stringify(saved, null, 1));
  }
  const runs = planRuns(plan);
  const tokensPerStep = plan.rows * plan.seqLen;
  say(`plan (${plan.scale}): ${describeConfig(plan.model)}`);
  say(
    `  rows ${plan.rows} × ${plan.seqLen} tokens = ${tokensPerStep} tokens/step; T = ${plan.steps} steps = ${plan.steps * tokensPerStep} tokens; seeds ${plan.seeds.join(', ')}`,
  );
  say(
    `  corpus: ${manifest.documents.train} training / ${manifest.documents.cooldown} cooldown / ${manifest.documents.eval} eval / ${manifest.documents.heldout} held-out documents, ${Object.keys(manifest.labels).length} labels`,
  );
  say(`  ${runs.length} runs (${runs.map((r) => r.name).join(', ')})`);
  if (saved.tokensPerSecond)
    say(
      `  measured throughput ${saved.tokensPerSecond.toFixed(0)} tokens/s → expected training time ${(saved.expectedSeconds! / 60).toFixed(1)} min (+ evaluation)`,
    );

  const evalDocs = await loadEvalDocuments(
    join(corpusDir, 'eval.jsonl'),
    plan.evalPerSource,
    'url',
    plan.maxEvalDocs ?? 0,
  );
  say(`  evaluation: ${evalDocs.length} documents of ${new Set(evalDocs.map((d) => d.source)).size} sources`);
  const heldoutDocs = await loadEvalDocuments(
    join(corpusDir, 'heldout.jsonl'),
    plan.evalPerSource,
    'url',
    plan.maxEvalDocs ? Math.ceil(plan.maxEvalDocs / 4) : 0,
  );
  say(
    `  held-out labels: ${heldoutDocs.length} documents of ${new Set(heldoutDocs.map((d) => d.source)).size} sources never seen in training`,
  );
  const trainIndex = readDatasetIndex(datasetDir(dataRoot, 'train'));
  let classifier: UnigramSourceClassifier | null = null;
  const results: RunResult[] = [];
  for (const [i, spec] of runs.entries()) {
    const runDir = join(o.workDir, 'runs', spec.name);
    const resultPath = join(runDir, 'result.json');
    if (existsSync(resultPath)) {
      results.push(JSON.parse(readFileSync(resultPath, 'utf8')) as RunResult);
      say(`run ${i + 1}/${runs.length} ${spec.name}: done earlier, skipped`);
      continue;
    }
    const config = runConfig(plan, spec, dataRoot, tokenizerPath);
    say(
      `run ${i + 1}/${runs.length} ${spec.name}: ${spec.steps} steps, stages ${config.stages.map((s) => `${s.name} until ${s.until ?? 1}`).join(' → ')}`,
    );
    const t0 = performance.now();
    let trained: TrainedRun;
    if (engine === 'torch') {
      trained = await trainWithTorch(config, runDir, o.torchProcesses ?? 1, (step, loss, rate) =>
        o.onProgress?.(`${spec.name} step ${step}/${spec.steps} loss ${loss.toFixed(3)} ${rate.toFixed(0)} tok/s`),
      );
    } else {
      let rate = 0;
      const run = await train(config, runDir, {
        resume: true,
        onMessage: say,
        onStep: (m) => {
          rate = m.tokensPerSecond;
          o.onProgress?.(
            `${spec.name} step ${m.step}/${spec.steps} loss ${m.loss.toFixed(3)} ${m.tokensPerSecond.toFixed(0)} tok/s`,
          );
        },
      });
      if (run.interrupted)
        throw new LmlabError(
          `run ${spec.name} was interrupted at step ${run.finalStep}; re-run the same command to resume`,
        );
      trained = { model: run.model, lastLoss: run.lastLoss, tokensPerSecond: rate };
    }
    const scorer = new DocumentScorer(trained.model, tokenizer, plan.seqLen);
    const result: RunResult = {
      spec,
      seconds: (performance.now() - t0) / 1000,
      tokensPerSecond: trained.tokensPerSecond,
      finalLoss: trained.lastLoss,
      none: scorer.scoreDocuments(evalDocs, 'none'),
      kshot: scorer.scoreKShot(evalDocs, plan.kShot),
      heldoutNone: scorer.scoreDocuments(heldoutDocs, 'none'),
    };
    if (spec.kind === 'meco' || spec.kind === 'no-cooldown') {
      result.trueLabel = scorer.scoreDocuments(evalDocs, 'true');
      result.wrongLabel = scorer.scoreDocuments(evalDocs, 'wrong');
      // An unseen label is the nearest this corpus has to the paper's invented URLs.
      result.heldoutLabel = scorer.scoreDocuments(heldoutDocs, 'true');
      classifier ??= UnigramSourceClassifier.fit(
        trainIndex.sources,
        trainIndex.vocabSize,
        trainIndex.shards.map((s) => readShard(join(datasetDir(dataRoot, 'train'), s.file))),
      );
      result.imitation = await imitationCheck(trained.model, tokenizer, classifier, evalDocs, plan, spec.seed);
    }
    writeAtomic(resultPath, JSON.stringify(result));
    results.push(result);
  }
  say('running the checks of "Ruling out bugs" on this experiment\'s data');
  const checks = await runChecks({ plan, workDir: o.workDir, corpusDir, dataRoot, tokenizer, results });
  writeReport(o.reportPath, {
    command: o.command,
    saved,
    manifest,
    results,
    workDir: o.workDir,
    checks,
    provenance: startedFrom,
  });
  say(`report written to ${o.reportPath}`);
  return { results, saved };
}
