// `npm run bench:adaskip`: AdaSkip speed on a random-weight model — dense vs each skipping method
// at α ∈ {0.125, 0.25, 0.375}, time to first token at 512/2048/8192 tokens, decode tokens/s, KV
// bytes, share of FLOPs skipped, ratios to dense in the same run, and the cost of collecting the
// statistics. The same benchmark as `lmlab adaskip bench` (src/adaskip/bench.ts).
//   --quick (smoke size)  --shape dim=..,layers=..  --contexts 512,2048  --alphas 0.25
//   --methods adaskip,random  --decode-tokens N  --repeats N  --calibration N
//   --calibration-tokens N  --quant q8_0|q4_k (matrices kept quantized)  --json
import {
  formatBenchTable,
  parseShape,
  QUICK_SHAPE,
  REFERENCE_SHAPE,
  runAdaSkipBench,
} from '../src/adaskip/experiment/bench.ts';
import { checkAlpha, METHODS, parseMethod } from '../src/adaskip/plan.ts';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const list = (name: string, fallback: number[]): number[] => {
  const given = value(name);
  return given ? given.split(',').map(Number) : fallback;
};
const quick = flag('--quick');
const json = flag('--json');

const report = runAdaSkipBench({
  config: parseShape(value('--shape') ?? '', quick ? QUICK_SHAPE : REFERENCE_SHAPE),
  contexts: list('--contexts', quick ? [128, 256] : [512, 2048, 8192]),
  alphas: list('--alphas', quick ? [0.25] : [0.125, 0.25, 0.375]).map(checkAlpha),
  methods: value('--methods') ? value('--methods')!.split(',').map(parseMethod) : [...METHODS],
  decodeTokens: Number(value('--decode-tokens') ?? (quick ? 8 : 32)),
  calibrationRequests: Number(value('--calibration') ?? 4),
  calibrationLength: Number(value('--calibration-tokens') ?? (quick ? 128 : 1024)),
  seed: Number(value('--seed') ?? 1),
  chunk: Number(value('--chunk') ?? 512),
  repeats: Number(value('--repeats') ?? (quick ? 1 : 3)),
  quant:
    value('--quant') && value('--quant') !== 'f32' ? (value('--quant')!.toUpperCase() as 'Q8_0' | 'Q4_K') : undefined,
  log: (line) => process.stderr.write(line + '\n'),
});
if (json) console.log(JSON.stringify(report));
else {
  console.log(
    `${report.model}; statistics collection: ${(report.collection.observerShare * 100).toFixed(2)}% of prefill time in the observer (wall clock ${(report.collection.overhead * 100).toFixed(1)}% vs without, interleaved)`,
  );
  console.log(formatBenchTable(report).join('\n'));
}
