// The llama.cpp side of the inference benchmark, run as a child process so that its memory and
// threads stay apart from ours: loads one GGUF through node-llama-cpp and answers JSON requests,
// one per stdin line, with one JSON reply per stdout line.
//   {"op":"prefill","tokens":[...]}            → {"ms": wall time of evaluating the prompt}
//   {"op":"decode","tokens":[...],"n":N}       → {"ms": prompt time, "decodeMs": time of N−1
//                                                 greedy steps after the first token, "tokens":[...]}
// Settings are chosen for a like-for-like comparison with lmlab: the KV cache type lmlab uses
// (F32 unless the fourth argument says F16), no flash attention (node-llama-cpp turns it on by
// default), batch 512, CPU only, greedy sampling.
// Not here: any measurement policy (repetitions, medians) — bench/infer.ts owns that.
import { createInterface } from 'node:readline';
import { getLlama, LlamaLogLevel } from 'node-llama-cpp';

const [modelPath, contextSizeText, threadsText, kvText] = process.argv.slice(2);
const kvType = kvText || 'F32';
if (!modelPath || !contextSizeText || !['F32', 'F16'].includes(kvType)) {
  console.error('usage: node peer.mjs MODEL.gguf CONTEXT_SIZE [THREADS] [F32|F16]');
  process.exit(2);
}

const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, defaultContextFlashAttention: false });
const context = await model.createContext({
  contextSize: Number(contextSizeText),
  batchSize: 512,
  flashAttention: false,
  threads: Number(threadsText || 0),
  experimentalKvCacheKeyType: kvType,
  experimentalKvCacheValueType: kvType,
});
const sequence = context.getSequence();

async function prefill(tokens) {
  await sequence.clearHistory();
  const start = performance.now();
  await sequence.evaluateWithoutGeneratingNewTokens(tokens);
  return performance.now() - start;
}

async function decode(tokens, n) {
  await sequence.clearHistory();
  const start = performance.now();
  const generated = [];
  let firstAt = 0;
  // The prompt's last token is evaluated together with generation so that the first yield is
  // the first new token (the prompt before it goes through the plain prefill path).
  await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(0, -1));
  for await (const token of sequence.evaluate(tokens.slice(-1), { temperature: 0 })) {
    if (generated.length === 0) firstAt = performance.now();
    generated.push(token);
    if (generated.length >= n) break;
  }
  const end = performance.now();
  return { ms: firstAt - start, decodeMs: end - firstAt, tokens: generated };
}

const reply = (object) => process.stdout.write(JSON.stringify(object) + '\n');
reply({ ready: true, threads: context.currentThreads, kv: kvType, version: 'node-llama-cpp 3.21.1' });

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  try {
    const request = JSON.parse(line);
    if (request.op === 'prefill') reply({ ms: await prefill(request.tokens) });
    else if (request.op === 'decode') reply(await decode(request.tokens, request.n));
    else if (request.op === 'quit') break;
    else reply({ error: `unknown op ${request.op}` });
  } catch (err) {
    reply({ error: String(err?.message ? err.message : err).split('\n')[0] });
  }
}
await context.dispose();
await model.dispose();
await llama.dispose();
