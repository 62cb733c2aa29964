// `lmlab adaskip evaluate`: the whole evaluation in one resumable run:
// quality and speed on the trained recipe model (quality.ts), then the random-weight speed
// benchmark at 512/2048/8192 on the trained model's shape and on the larger reference shape
// (bench.ts), then the report (report.ts). Each stage's result is a JSON file in the work
// directory; a re-run skips stages whose file exists. The commit of the code (and whether the
// tree had changes) is recorded when the run starts and named in the report; the timed stages
// hold the timing lock. Not here: training (recipe.ts).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeConfig, type LlamaConfig } from '../../model/config.ts';
import { runAdaSkipBench, type BenchReport } from './bench.ts';
import { DEFAULT_ALPHA, type SkipMethod } from '../plan.ts';
import { evaluateQuality, type QualityOptions, type QualityReport } from './quality.ts';
import { writeAdaSkipReport } from './report.ts';
import { writeAtomic } from '../../util/atomic.ts';
import { benchLockPath } from '../../util/bench-lock.ts';
import { describeProvenance, gitProvenance } from '../../util/provenance.ts';

/** The quality evaluation's options, plus where results go and what the speed benchmark covers. */
export interface EvaluationOptions extends QualityOptions {
  training: string;
  work: string;
  reportPath: string;
  command: string;
  /** speed benchmark: prompt lengths, repeats, and the larger reference shape (null = skip it) */
  speedContexts: number[];
  speedRepeats: number;
  referenceShape: LlamaConfig | null;
  referenceMethods: SkipMethod[];
  log: (line: string) => void;
}

function cached<T>(path: string, make: () => T, log: (line: string) => void): T {
  if (existsSync(path)) {
    log(`${path}: done earlier, reused`);
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  }
  const value = make();
  writeAtomic(path, JSON.stringify(value));
  return value;
}

export function runEvaluation(o: EvaluationOptions): void {
  mkdirSync(o.work, { recursive: true });
  const startedPath = join(o.work, 'started.json');
  if (!existsSync(startedPath))
    writeAtomic(
      startedPath,
      JSON.stringify({ at: new Date().toISOString(), code: describeProvenance(gitProvenance()) }),
    );
  const started = JSON.parse(readFileSync(startedPath, 'utf8')) as { at: string; code: string };
  const now = describeProvenance(gitProvenance());
  if (now !== started.code) o.log(`the run started at ${started.code}; the code is now at ${now}`);
  const quality = cached<QualityReport>(join(o.work, 'quality.json'), () => evaluateQuality(o), o.log);
  const longest = Math.max(...o.speedContexts);
  const decodeTokens = 32;
  const room = (c: LlamaConfig): LlamaConfig => ({
    ...c,
    maxSeqLen: Math.max(c.maxSeqLen, longest + decodeTokens + 1),
  });
  const bench = (name: string, config: LlamaConfig, methods: SkipMethod[], alphas: number[]) =>
    cached<BenchReport>(
      join(o.work, `speed-${name}.json`),
      () =>
        runAdaSkipBench({
          config,
          contexts: o.speedContexts,
          alphas,
          methods,
          decodeTokens,
          calibrationRequests: 4,
          calibrationLength: 1024,
          seed: 1,
          chunk: o.chunk,
          repeats: o.speedRepeats,
          log: o.log,
        }),
      o.log,
    );
  const speed: Array<{ title: string; report: BenchReport }> = [
    {
      title: "The trained model's shape (context extended for 8K)",
      report: bench('trained-shape', room(o.model.config), o.methods, o.alphas),
    },
  ];
  if (o.referenceShape) {
    speed.push({
      title: `Larger reference shape, α = ${DEFAULT_ALPHA}`,
      report: bench('reference-shape', room(o.referenceShape), o.referenceMethods, [DEFAULT_ALPHA]),
    });
  }
  writeAdaSkipReport(o.reportPath, {
    command: o.command,
    model: describeConfig(o.model.config),
    training: o.training,
    quality,
    speed,
    startedAt: started.at,
    code: now === started.code ? started.code : `${started.code} (resumed at ${now})`,
    lockPath: benchLockPath(),
  });
  o.log(`report written to ${o.reportPath}`);
}
