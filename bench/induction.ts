// `npm run bench:induction`: does a small model learn to copy (form induction heads), at which
// learning rates? Trains the same 2-layer model, same data, same seed, once per learning rate on
// "List: a b c. Again: a b c." with lists of 3–8 words, then measures on fresh lists how often
// the 4th copied token gets probability > 0.5 (chance is 1/16) and the loss of the copied half.
// Variable lengths make position alone useless: only a look-back by content solves it. This is
// the experiment behind the AdaSkip recipe's learning rate (src/adaskip/recipe.ts).
//   --rates 1e-3,3e-3  --steps N  --quick (smoke size)  --json
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/util/rng.ts';
import { RECIPE_OPTIMIZER } from '../src/adaskip/experiment/recipe.ts';
import { WORDS } from '../src/adaskip/experiment/tasks.ts';
import type { LlamaModel } from '../src/model/llama.ts';
import { loadModelDir } from '../src/model/load.ts';
import { scoreTokens } from '../src/model/score.ts';
import { ChunkCounter, saveTokenizer, trainBpe } from '../src/tokenizer/index.ts';
import { latestCheckpoint } from '../src/train/checkpoint.ts';
import { parseTrainConfig } from '../src/train/config.ts';
import { tokenizeCorpus } from '../src/train/tokenize.ts';
import { train } from '../src/train/trainer.ts';

const args = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const json = args.includes('--json');
const rates = (value('--rates') ?? '1e-3,3e-3').split(',').map(Number);
const steps = Number(value('--steps') ?? (quick ? 20 : 800));
if (rates.some((r) => !(r > 0)) || !(steps >= 1)) {
  console.error('bench:induction: --rates wants positive numbers and --steps a count ≥ 1');
  process.exit(1);
}

function copyList(rng: Rng): { prompt: string; copy: string } {
  const list = Array.from({ length: 3 + rng.int(6) }, () => WORDS[rng.int(WORDS.length)]).join(' ');
  return { prompt: `List: ${list}. Again:`, copy: ` ${list}.` };
}

const root = mkdtempSync(join(tmpdir(), 'lmlab-bench-induction-'));
try {
  const rng = new Rng(3);
  const docs = Array.from({ length: quick ? 500 : 30000 }, () => copyList(rng)).map((d) => d.prompt + d.copy);
  writeFileSync(join(root, 'train.jsonl'), docs.map((text) => JSON.stringify({ text })).join('\n') + '\n');
  const counter = new ChunkCounter();
  for (const d of docs.slice(0, 2000)) counter.add(d);
  const { tokenizer } = trainBpe(counter, { vocabSize: 300 });
  const tokenizerPath = join(root, 'tokenizer.json');
  await saveTokenizer(tokenizer, tokenizerPath);
  await tokenizeCorpus([join(root, 'train.jsonl')], join(root, 'data'), tokenizer, {
    meta: { tokenizer: tokenizerPath },
  });

  const model = {
    vocabSize: tokenizer.vocabSize,
    dim: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffnHidden: 176,
    ropeTheta: 10000,
    normEps: 1e-5,
    maxSeqLen: 256,
    tieEmbeddings: false,
  };
  const test = Array.from({ length: quick ? 10 : 100 }, () => copyList(new Rng(1_000_000 + rng.int(1 << 30))));
  const results: Array<{ lr: number; copied: number; copyLoss: number; finalTrainLoss: number; seconds: number }> = [];
  for (const lr of rates) {
    const run = join(root, `run-${lr}`);
    const config = parseTrainConfig(
      {
        model,
        stages: [{ name: 'copy', data: join(root, 'data') }],
        tokenizer: tokenizerPath,
        rows: 8,
        seqLen: 256,
        steps,
        seed: 1,
        overflow: 'carry',
        optimizer: { ...RECIPE_OPTIMIZER, lr },
        evalEvery: steps + 1,
        evalBatches: 1,
        checkpointEvery: steps + 1,
        logEvery: 1,
      },
      'bench:induction',
    );
    const t0 = performance.now();
    let last = NaN;
    await train(config, run, {
      onStep: (m) => {
        last = m.loss;
        if (!json && m.step % 100 === 0) process.stderr.write(`lr ${lr}: step ${m.step} loss ${m.loss.toFixed(3)}\n`);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const trained: LlamaModel = (await loadModelDir(latestCheckpoint(run)!)).model;
    let copied = 0;
    let nll = 0;
    let scored = 0;
    for (const t of test) {
      const prompt = [tokenizer.bosId!, ...tokenizer.encode(t.prompt)];
      const copy = tokenizer.encode(t.copy);
      const s = scoreTokens(trained, Int32Array.from([...prompt, ...copy]), prompt.length);
      if (s.logprobs[3] > Math.log(0.5)) copied++;
      nll += s.nll;
      scored += s.logprobs.length;
    }
    results.push({ lr, copied: copied / test.length, copyLoss: nll / scored, finalTrainLoss: last, seconds });
  }
  if (json) {
    console.log(JSON.stringify({ steps, tokensPerStep: 8 * 256, results }));
  } else {
    console.log(`2-layer × 64 model, ${steps} steps of 8 × 256 tokens, same data and seed per learning rate`);
    console.log(
      '| lr | 4th copied token p > 0.5 | loss of the copied half (nats/token) | final train loss | train s |',
    );
    console.log('|---:|---:|---:|---:|---:|');
    for (const r of results)
      console.log(
        `| ${r.lr} | ${(100 * r.copied).toFixed(0)}% | ${r.copyLoss.toFixed(3)} | ${r.finalTrainLoss.toFixed(3)} | ${r.seconds.toFixed(0)} |`,
      );
    const best = results.reduce((a, b) => (b.copyLoss < a.copyLoss ? b : a));
    for (const r of results)
      if (r !== best)
        console.log(`copied-half loss at lr ${r.lr} ÷ at lr ${best.lr}: ${(r.copyLoss / best.copyLoss).toFixed(2)}×`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
