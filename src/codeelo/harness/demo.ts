// The offline demo's replay models, built from the bundled problems' own solutions:
//   strong — the C++ reference solution of every problem (one attempt each);
//   weak   — the deliberately wrong solutions in their listed order, then (for problems rated
//            1100 or less) the reference, and, for problems rated 1900 or more, an answer with
//            no code block first — so the demo shows failed attempts, "No code", compile
//            errors, TLE/MLE/RE and late accepts.
// A third model is a tiny lmlab model (writeDemoModel) that the CLI serves with `lmlab serve`.
// It does not run anything; the CLI runs these through the ordinary harness.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { saveHfCheckpoint } from '../../io/hf-llama.ts';
import { parseLlamaConfig } from '../../model/config.ts';
import { Rng } from '../../util/rng.ts';
import { LlamaModel, TrainingWorkspace } from '../../model/llama.ts';
import { AdamW, paperAdamW } from '../../train/optimizer.ts';
import { toNamedTensors } from '../../model/params.ts';
import { ChunkCounter, saveTokenizer, trainBpe } from '../../tokenizer/index.ts';
import { loadProblem } from '../judge/problem.ts';
import type { ReplayFile } from './models.ts';
import { BUNDLED_CONTESTS } from './simulated.ts';

const FENCE_TAG: Record<string, string> = { '.cpp': 'cpp', '.py': 'python', '.c': 'c', '.js': 'javascript' };

function answerFor(file: string): string {
  const code = readFileSync(file, 'utf8');
  return `Let me think about the constraints first and then write the program.\n\n\`\`\`${FENCE_TAG[extname(file)] ?? ''}\n${code.trimEnd()}\n\`\`\`\n`;
}

export function demoReplays(problemsRoot: string): { strong: ReplayFile; weak: ReplayFile } {
  const strong: ReplayFile = { format: 'lmlab-replay', model: 'demo-strong (reference solutions)', answers: {} };
  const weak: ReplayFile = { format: 'lmlab-replay', model: 'demo-weak (wrong solutions)', answers: {} };
  for (const contest of BUNDLED_CONTESTS) {
    for (const slot of contest.problems) {
      const problem = loadProblem(join(problemsRoot, slot.problem));
      const key = `${contest.id}${slot.index}`;
      const reference = problem.solutions.find((s) => s.expected === 'AC' && s.file.endsWith('.cpp'))!;
      strong.answers[key] = [answerFor(reference.file)];
      const wrong = problem.solutions.filter((s) => s.expected !== 'AC').map((s) => answerFor(s.file));
      const answers =
        slot.rating >= 1900
          ? ['I am not sure how to solve this one; a brute force would be too slow.', ...wrong]
          : wrong;
      if (slot.rating <= 1100) answers.push(answerFor(reference.file));
      weak.answers[key] = answers.slice(0, 8);
    }
  }
  return { strong, weak };
}

/** ChatML, as the demo model's tokenizer_config.json chat template. */
export const DEMO_CHAT_TEMPLATE =
  "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * The demo's local model, made the same way every time: a byte-level BPE tokenizer trained on
 * the bundled statements and reference solutions (so prompts are short), ChatML special tokens,
 * and a small LLaMA from a fixed seed trained for `steps` steps on the strong replay's answers
 * as assistant turns — a few seconds, enough to open its answers with a fenced C++ block. It
 * solves nothing; it lets the demo run a model through `lmlab serve`, the OpenAI client, the
 * judge and the rating.
 */
export async function writeDemoModel(problemsRoot: string, dir: string, steps = 60): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const counter = new ChunkCounter();
  for (const name of readdirSync(problemsRoot).sort()) {
    const statement = join(problemsRoot, name, 'statement.md');
    if (!existsSync(statement)) continue;
    counter.add(readFileSync(statement, 'utf8'));
    const problem = loadProblem(join(problemsRoot, name));
    for (const s of problem.solutions) if (s.expected === 'AC') counter.add(answerFor(s.file));
  }
  const tokenizer = trainBpe(counter, {
    vocabSize: 1024,
    minFrequency: 2,
    extraSpecialTokens: ['<|im_start|>', '<|im_end|>'],
  }).tokenizer;
  const config = parseLlamaConfig({
    vocabSize: tokenizer.vocabSize,
    dim: 64,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    ffnHidden: 128,
    maxSeqLen: 4096,
  });
  const model = LlamaModel.initialised(config, 2025);
  const answers = Object.values(demoReplays(problemsRoot).strong.answers).map((a) => a[0]);
  const stream: number[] = [];
  for (const answer of answers)
    stream.push(...tokenizer.encode(`<|im_start|>assistant\n${answer}<|im_end|>\n`, { allowSpecial: true }));
  trainBriefly(model, Int32Array.from(stream), steps);
  saveHfCheckpoint(dir, config, toNamedTensors(model.params), {
    bosTokenId: tokenizer.specialId('<|bos|>'),
    eosTokenId: tokenizer.specialId('<|eos|>'),
  });
  await saveTokenizer(tokenizer, join(dir, 'tokenizer.json'));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({ bos_token: '<|bos|>', eos_token: '<|im_end|>', chat_template: DEMO_CHAT_TEMPLATE }, null, 1) +
      '\n',
  );
}

/** `steps` AdamW steps of next-token loss on windows of `stream` drawn with a fixed seed. */
function trainBriefly(model: LlamaModel, stream: Int32Array, steps: number): void {
  const rows = 4;
  const t = 128;
  const ws = new TrainingWorkspace(model.config, rows, t);
  const grads = model.params.like();
  const optimizer = new AdamW(model.params, paperAdamW);
  const rng = new Rng(7);
  const tokens = new Int32Array(rows * t);
  const targets = new Int32Array(rows * t);
  const positions = Int32Array.from({ length: rows * t }, (_, i) => i % t);
  for (let step = 0; step < steps; step++) {
    for (let r = 0; r < rows; r++) {
      const start = rng.int(stream.length - t - 1);
      tokens.set(stream.subarray(start, start + t), r * t);
      targets.set(stream.subarray(start + 1, start + t + 1), r * t);
    }
    grads.flat.fill(0);
    model.forwardBackward(ws, { tokens, targets, positions, segments: null }, grads, 1 / (rows * t));
    optimizer.update(grads, 3e-3);
  }
}
