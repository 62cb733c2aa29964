// Greedy agreement with llama.cpp: our engine and llama.cpp (node-llama-cpp, this folder's
// optional dependency) load the same model — ours in memory, llama.cpp from our GGUF F32 export
// of it — and must produce the same first 32 greedy tokens for several prompts. Checked on the
// reference shape (seeded weights, widened so that greedy choices are decisive) and, given
// --model DIR, on a trained model with text prompts through its own tokenizer.
//
//   npm run bench:infer:check [-- --model DIR] [--tokens N]
//
// Exits 1 on any disagreement, 2 when the optional package is missing. Not part of `npm test`:
// it needs the optional package and runs in tens of seconds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate, greedy } from '../../src/model/generate.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { type BenchModel, exportReference, exportTrained, promptTokens, referenceModel } from './models.ts';
import { LlamaCppPeer, PEER_SETUP_HINT, peerInstalled } from './peer-client.ts';

const TEXT_PROMPTS = [
  'The state of the Union',
  'Fellow citizens of the Senate and of the House of Representatives:',
  'We must never forget that the price of liberty',
  'In the year that has passed since I last addressed you, the Congress',
];

function parseArgs(argv: string[]): { model: string | null; tokens: number } {
  let model: string | null = null;
  let tokens = 32;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--model' && argv[i + 1]) model = argv[++i];
    else if (argv[i] === '--tokens' && /^\d+$/.test(argv[i + 1] ?? '')) tokens = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: check.ts [--model DIR] [--tokens N])`);
  }
  if (tokens < 1 || tokens > 256) throw new Error(`--tokens must be in 1..256, got ${tokens}`);
  return { model, tokens };
}

/** Compares greedy continuations of each prompt; returns the number of disagreeing prompts. */
async function checkModel(
  m: BenchModel,
  prompts: Array<{ label: string; ids: Int32Array }>,
  n: number,
): Promise<number> {
  const longest = Math.max(...prompts.map((p) => p.ids.length));
  const peer = await LlamaCppPeer.start(m.gguf, longest + n + 8, 2);
  let failures = 0;
  try {
    for (const p of prompts) {
      const session = new InferenceSession(m.model, { chunk: 512 });
      const ours = generate(session, p.ids, { sampling: greedy, maxTokens: n }).tokens;
      const theirs = (await peer.decode(p.ids, n)).tokens;
      let agree = 0;
      while (agree < n && ours[agree] === theirs[agree]) agree++;
      const ok = agree === n;
      if (!ok) failures++;
      console.log(
        `${ok ? 'ok  ' : 'FAIL'} ${m.name} ${p.label} (${p.ids.length} prompt tokens): ${agree}/${n} equal` +
          (ok ? '' : `; first difference at ${agree}: ours ${ours[agree]}, llama.cpp ${theirs[agree]}`),
      );
    }
  } finally {
    await peer.close();
  }
  return failures;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!peerInstalled()) {
    console.error(`bench:infer:check: ${PEER_SETUP_HINT}`);
    process.exit(2);
  }
  const work = mkdtempSync(join(tmpdir(), 'lmlab-check-'));
  let failures = 0;
  let checked = 0;
  try {
    const reference = exportReference(referenceModel(7, 4, 2048), join(work, 'reference-f32.gguf'));
    const idPrompts = [3, 17, 130, 700].map((len, i) => ({
      label: `random ids #${i + 1}`,
      ids: promptTokens(len, 8192, 100 + i),
    }));
    failures += await checkModel(reference, idPrompts, args.tokens);
    checked += idPrompts.length;
    if (args.model) {
      const trained = await exportTrained(args.model, work);
      const tokenizer = trained.tokenizer!;
      const textPrompts = TEXT_PROMPTS.map((text) => ({
        label: JSON.stringify(text),
        ids: Int32Array.from(tokenizer.encode(text)),
      }));
      failures += await checkModel(trained, textPrompts, args.tokens);
      checked += textPrompts.length;
    } else {
      console.log(
        '(no --model DIR: only the reference shape was checked; pass a checkpoint folder from `lmlab train`)',
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`${checked - failures} passed, ${failures} failed`);
  process.exit(failures > 0 ? 1 : 0);
}

main().catch((err: Error) => {
  console.error(`bench:infer:check: ${err.message.split('\n')[0]}`);
  process.exit(1);
});
