// Inference benchmark: time to first token (prefill) at prompt lengths 512, 2048 and 8192 and
// greedy decode tokens/s after those contexts, for a model shape with random weights — the
// reference shape (dim 512, 8 layers, 8 heads, FFN 1376, vocab 8192) or Llama-3.2-1B's (dim
// 2048, 16 layers, 32 heads, 8 KV heads, FFN 8192, vocab 128256) — stored as F32, Q8_0, Q4_0 or
// Q4_K_M, and optionally a trained model directory, side by side with llama.cpp (node-llama-cpp,
// optional: `npm run bench:infer:setup`) on the identical GGUF file, with ratios ours/llama.cpp.
// The files are written one tensor at a time and cached (bench/llama-cpp/bench-gguf.ts). Decode
// is also given as a fraction of the memory-bandwidth roof (bandwidth measured here; the bytes
// a step reads are the file's stored matrix bytes plus the KV cache), and the peak RSS of a
// process that loads the file and prefills the longest prompt is measured in a child process.
//
//   npm run bench:infer [-- [--json] [--shape reference|1b[,…]] [--quant f32,q8_0,q4_0,q4_k_m]
//                          [--model DIR] [--reps N] [--decode N] [--contexts 512,2048]
//                          [--no-peer] [--no-rss] [--kv f32|f16]]
//
// --kv sets the KV cache precision of both engines (f32 by default; f16 is llama.cpp's default).
//
// Each side first runs one short untimed warm-up. Ours and llama.cpp alternate run by run (which
// one goes first alternates too) and each figure is the median over repetitions: the machine is
// shared and load moves during a run. Both sides use every core. It prints figures and ratios; it does not judge pass or fail.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeInfo } from '../src/engine/native.ts';
import { GgufFile } from '../src/io/gguf.ts';
import { InferenceSession, type KvCachePrecision, parseKvCache } from '../src/model/inference.ts';
import { loadModelDir } from '../src/model/load.ts';
import { readBandwidth } from './llama-cpp/bandwidth.ts';
import { BENCH_QUANTS, BENCH_SHAPES, benchGguf, type BenchQuant, type BenchShape } from './llama-cpp/bench-gguf.ts';
import { type BenchModel, exportTrained, promptTokens } from './llama-cpp/models.ts';
import { LlamaCppPeer, PEER_SETUP_HINT, peerInstalled } from './llama-cpp/peer-client.ts';
import { median } from '../src/util/statistics.ts';

interface Options {
  json: boolean;
  model: string | null;
  reps: number;
  longReps: number;
  decode: number;
  contexts: number[];
  peer: boolean;
  rss: boolean;
  shapes: BenchShape[];
  quants: BenchQuant[];
  kv: KvCachePrecision;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    json: false,
    model: null,
    reps: 3,
    longReps: 1,
    decode: 32,
    contexts: [512, 2048, 8192],
    peer: true,
    rss: true,
    shapes: ['reference'],
    quants: ['f32'],
    kv: 'f32',
  };
  const list = <T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T[] => {
    const items = (text ?? '').split(',').map((t) => t.trim().toLowerCase());
    for (const t of items) {
      if (!(allowed as readonly string[]).includes(t))
        throw new Error(`${flag} takes ${allowed.join(', ')} (comma-separated), got ${text}`);
    }
    return [...new Set(items)] as T[];
  };
  const number = (flag: string, text: string | undefined, min: number, max: number): number => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(`${flag} must be a whole number in ${min}..${max}, got ${text}`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--no-peer') o.peer = false;
    else if (a === '--no-rss') o.rss = false;
    else if (a === '--model') o.model = argv[++i] ?? null;
    else if (a === '--reps') o.reps = number(a, argv[++i], 1, 20);
    else if (a === '--long-reps') o.longReps = number(a, argv[++i], 1, 10);
    else if (a === '--decode') o.decode = number(a, argv[++i], 2, 1024);
    else if (a === '--shape') o.shapes = list(a, argv[++i], BENCH_SHAPES);
    else if (a === '--quant') o.quants = list(a, argv[++i], BENCH_QUANTS);
    else if (a === '--kv') o.kv = parseKvCache(argv[++i] ?? '');
    else if (a === '--contexts') o.contexts = (argv[++i] ?? '').split(',').map((t) => number(a, t, 1, 8192));
    else throw new Error(`unknown argument ${a} (see the header of bench/infer.ts)`);
  }
  if (o.model === '') throw new Error('--model needs a directory');
  return o;
}

function argmax(x: Float32Array): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

interface Run {
  /** prompt in, first token out, ms */
  ttftMs: number;
  /** greedy steps after the first token, tokens/s */
  decodeTps: number;
  tokens: number[];
}

/** Our engine: prefill the prompt, pick the first token, then n−1 greedy decode steps. */
function runOurs(session: InferenceSession, prompt: Int32Array, n: number): Run {
  session.reset();
  const start = performance.now();
  let next = argmax(session.prefill(prompt).data);
  const firstAt = performance.now();
  const tokens = [next];
  for (let i = 1; i < n; i++) {
    next = argmax(session.decode(next).data);
    tokens.push(next);
  }
  const end = performance.now();
  return { ttftMs: firstAt - start, decodeTps: (n - 1) / ((end - firstAt) / 1000), tokens };
}

/** CPU time (user + system) a process has used, in ms; null where /proc cannot tell. */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in ticks of 1/100 s
  } catch {
    return null;
  }
}

/**
 * Our run with the peer process quiet: llama.cpp keeps working for a while after it reports
 * ready (and its threads may spin after a request), which would take cores from ours. Waits
 * (up to 20 s) until the peer used under 2% of a core over 300 ms, times ours, and repeats ours
 * once if the peer used more than 2% of the run's wall time meanwhile; a second overlap is
 * reported on stderr with the run kept, so the printed ratio is never silently contaminated.
 */
async function runOursAlone(
  session: InferenceSession,
  prompt: Int32Array,
  n: number,
  peerPid: number | undefined,
): Promise<Run> {
  const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
  for (let attempt = 0; ; attempt++) {
    for (let waited = 0; waited < 20_000; waited += 300) {
      const before = cpuMs(peerPid);
      await sleep(300);
      const after = cpuMs(peerPid);
      if (before === null || after === null || after - before < 6) break;
    }
    const before = cpuMs(peerPid);
    const start = performance.now();
    const run = runOurs(session, prompt, n);
    const wall = performance.now() - start;
    const used = before === null ? 0 : (cpuMs(peerPid) ?? before) - before;
    if (used <= 0.02 * wall) return run;
    if (attempt >= 1) {
      process.stderr.write(
        `bench:infer: llama.cpp used ${used.toFixed(0)} ms of CPU during our ${wall.toFixed(0)} ms run, twice; kept\n`,
      );
      return run;
    }
  }
}

async function runPeer(peer: LlamaCppPeer, prompt: Int32Array, n: number): Promise<Run> {
  const r = await peer.decode(prompt, n);
  return { ttftMs: r.ms, decodeTps: (r.tokens.length - 1) / (r.decodeMs / 1000), tokens: r.tokens };
}

/** Stored bytes of every tensor of a GGUF file but the embedding table (which decode only indexes). */
function streamedWeightBytes(gguf: string): number {
  const file = GgufFile.open(gguf);
  try {
    return file.tensors.filter((t) => t.name !== 'token_embd.weight').reduce((n, t) => n + t.byteLength, 0);
  } finally {
    file.close();
  }
}

/** Bytes a decode step at context `ctx` must read: the stored weights but the embedding table, the KV cache. */
function decodeBytes(m: BenchModel, weightBytes: number, ctx: number, kvBytes: number): number {
  const c = m.model.config;
  const kv = 2 * c.layers * ctx * c.kvHeads * (c.dim / c.heads) * kvBytes;
  return weightBytes + kv;
}

/**
 * Below this many bytes per step the working set can stay in the last-level cache (32 MiB on
 * this machine kind), so the DRAM roof does not bound decode and the fraction is only indicative.
 */
const CACHE_RESIDENT_BYTES = 32 * 2 ** 20;

interface Row {
  bench: 'prefill' | 'decode';
  model: string;
  shape: string;
  quant: string;
  ctx: number;
  tokens_per_s: number;
  peer: 'llama.cpp' | null;
  peer_tokens_per_s: number | null;
  ratio: number | null;
  ttft_ms?: number;
  peer_ttft_ms?: number | null;
  roof_fraction?: number;
  peer_roof_fraction?: number | null;
  cache_resident?: boolean;
}

const fmt = (x: number | null | undefined, digits = 1): string => (x == null ? '—' : x.toFixed(digits));

async function benchModel(
  m: BenchModel,
  quant: string,
  o: Options,
  bandwidth: number,
  say: (s: string) => void,
): Promise<Row[]> {
  const weightBytes = streamedWeightBytes(m.gguf);
  const maxCtx = Math.max(...o.contexts) + o.decode;
  if (maxCtx > m.model.config.maxSeqLen) {
    throw new Error(`${m.name}: context ${maxCtx} exceeds the model's maximum of ${m.model.config.maxSeqLen}`);
  }
  let peer: LlamaCppPeer | null = null;
  if (o.peer && peerInstalled())
    peer = await LlamaCppPeer.start(m.gguf, maxCtx + 8, availableParallelism(), undefined, o.kv);
  const session = new InferenceSession(m.model, { chunk: 512, kvCache: o.kv });
  const rows: Row[] = [];
  try {
    // one untimed short run per side first: code paths, scratch buffers and caches warm up for
    // both, so the first timed repetition is not a cold start on either side
    const warm = promptTokens(32, m.model.config.vocabSize, 1);
    runOurs(session, warm, 4);
    if (peer) await runPeer(peer, warm, 4);
    for (const ctx of o.contexts) {
      const prompt = promptTokens(ctx, m.model.config.vocabSize, ctx);
      const ours: Run[] = [];
      const theirs: Run[] = [];
      const reps = ctx > 2048 ? o.longReps : o.reps;
      for (let r = 0; r < reps; r++) {
        // alternate who goes first so that a drift in load does not favour one side
        if (peer && r % 2 === 1) theirs.push(await runPeer(peer, prompt, o.decode));
        ours.push(await runOursAlone(session, prompt, o.decode, peer?.pid));
        if (peer && r % 2 === 0) theirs.push(await runPeer(peer, prompt, o.decode));
      }
      const ttft = median(ours.map((x) => x.ttftMs));
      const tps = median(ours.map((x) => x.decodeTps));
      const peerTtft = peer ? median(theirs.map((x) => x.ttftMs)) : null;
      const peerTps = peer ? median(theirs.map((x) => x.decodeTps)) : null;
      const stepBytes = decodeBytes(m, weightBytes, ctx + o.decode / 2, o.kv === 'f16' ? 2 : 4);
      const roof = (bandwidth * 1e9) / stepBytes;
      const cacheResident = stepBytes < CACHE_RESIDENT_BYTES;
      const same = peer ? ours[0].tokens.filter((t, i) => t === theirs[0].tokens[i]).length : null;
      rows.push({
        bench: 'prefill',
        model: m.name,
        shape: m.name,
        quant,
        ctx,
        tokens_per_s: ctx / (ttft / 1000),
        peer: peer ? 'llama.cpp' : null,
        peer_tokens_per_s: peerTtft === null ? null : ctx / (peerTtft / 1000),
        ratio: peerTtft === null ? null : peerTtft / ttft,
        ttft_ms: ttft,
        peer_ttft_ms: peerTtft,
      });
      rows.push({
        bench: 'decode',
        model: m.name,
        shape: m.name,
        quant,
        ctx,
        tokens_per_s: tps,
        peer: peer ? 'llama.cpp' : null,
        peer_tokens_per_s: peerTps,
        ratio: peerTps === null ? null : tps / peerTps,
        roof_fraction: tps / roof,
        peer_roof_fraction: peerTps === null ? null : peerTps / roof,
        cache_resident: cacheResident,
      });
      say(
        `  ctx ${String(ctx).padStart(5)}: TTFT ${fmt(ttft, 0)} ms vs ${fmt(peerTtft, 0)} ms (ratio ${fmt(peerTtft && peerTtft / ttft, 2)}), ` +
          `decode ${fmt(tps)} vs ${fmt(peerTps)} tok/s (ratio ${fmt(peerTps && tps / peerTps, 2)}); roof ${fmt(roof, 0)} tok/s, ` +
          `ours ${fmt((100 * tps) / roof, 0)}% / llama.cpp ${fmt(peerTps && (100 * peerTps) / roof, 0)}%` +
          `${cacheResident ? ' (fits in cache: the DRAM roof does not apply)' : ''}; ` +
          `${reps} rep(s)${same === null ? '' : `, greedy tokens equal ${same}/${o.decode}`}`,
      );
    }
  } finally {
    await peer?.close();
  }
  return rows;
}

/** Child mode: load a GGUF file, prefill a `ctx`-token prompt, then report this process's peak RSS. */
async function rssProbe(ctx: number, gguf: string, kv: KvCachePrecision): Promise<void> {
  const { model } = await loadModelDir(gguf);
  const session = new InferenceSession(model, { chunk: 512, kvCache: kv });
  const start = performance.now();
  session.prefill(promptTokens(ctx, model.config.vocabSize, ctx));
  const ms = performance.now() - start;
  const file = GgufFile.open(gguf);
  const weights = file.tensors.reduce((n, t) => n + t.byteLength, 0);
  file.close();
  process.stdout.write(
    JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024, weights, kv: session.kvBytes() }) + '\n',
  );
}

function measureRss(
  ctx: number,
  gguf: string,
  kv: KvCachePrecision,
): { ms: number; maxRssBytes: number; weights: number; kv: number } {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--rss-probe', String(ctx), gguf, kv], {
    encoding: 'utf8',
    timeout: 1_800_000,
    env: process.env,
  });
  if (child.status !== 0)
    throw new Error(`RSS probe failed: ${(child.stderr || child.error?.message || '').trim().split('\n').pop()}`);
  return JSON.parse(child.stdout.trim().split('\n').pop()!);
}

async function main(): Promise<void> {
  if (process.argv[2] === '--rss-probe')
    return rssProbe(Number(process.argv[3]), process.argv[4], parseKvCache(process.argv[5] ?? 'f32'));
  const o = parseArgs(process.argv.slice(2));
  const say = (s: string): void => {
    if (!o.json) console.log(s);
  };
  const emit = (row: object): void => {
    if (o.json) console.log(JSON.stringify(row));
  };
  const info = nativeInfo();
  const load = loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  say(
    `lmlab inference benchmark — ${availableParallelism()} cores, our pool ${info.threads} threads (${info.simd}), load average ${load}`,
  );
  if (o.peer && !peerInstalled()) say(`(${PEER_SETUP_HINT}; measuring ours alone)`);
  if (o.json && o.peer && !peerInstalled()) console.error(`bench:infer: ${PEER_SETUP_HINT}; measuring ours alone`);

  const bandwidth = median([await readBandwidth(availableParallelism()), await readBandwidth(availableParallelism())]);
  say(`memory read bandwidth (all cores, memcmp over 2×256 MiB): ${bandwidth.toFixed(1)} GB/s`);
  emit({ bench: 'bandwidth', gb_per_s: bandwidth, threads: availableParallelism(), load_average: loadavg() });

  const maxCtx = Math.max(...o.contexts);
  const work = mkdtempSync(join(tmpdir(), 'lmlab-bench-infer-'));
  const probes: Array<{ shape: string; quant: string; gguf: string }> = [];
  try {
    const models: Array<{ quant: string; load: () => Promise<BenchModel> }> = [];
    for (const shape of o.shapes) {
      for (const quant of o.quants) {
        models.push({
          quant,
          load: async () => {
            let last = 0;
            const gguf = benchGguf(shape, quant, 1, (i, n, name) => {
              if (Date.now() - last < 5000) return;
              last = Date.now();
              console.error(`bench:infer: writing the ${shape} ${quant} file (cached): tensor ${i + 1}/${n} ${name}`);
            });
            const { model } = await loadModelDir(gguf);
            probes.push({ shape, quant, gguf });
            return { name: shape, model, tokenizer: null, gguf };
          },
        });
      }
    }
    if (o.model) models.push({ quant: 'f32', load: () => exportTrained(o.model!, work) });
    else say('(no --model DIR: the trained-model rows are skipped; pass a checkpoint folder from `lmlab train`)');
    for (const { quant, load } of models) {
      const m = await load();
      const c = m.model.config;
      say(
        `\n${m.name} ${quant}: dim ${c.dim}, ${c.layers} layers, ${c.heads} heads (${c.kvHeads} KV), FFN ${c.ffnHidden}, vocab ${c.vocabSize}; ` +
          `${(streamedWeightBytes(m.gguf) / 1e6).toFixed(0)} MB of matrices stored; ${o.kv.toUpperCase()} KV cache (both engines); decode ${o.decode} greedy tokens after each prompt`,
      );
      for (const row of await benchModel(m, quant, o, bandwidth, say)) emit({ ...row, kv: o.kv });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  if (o.rss) {
    for (const { shape, quant, gguf } of probes) {
      const r = measureRss(maxCtx, gguf, o.kv);
      say(
        `\npeak RSS of a process prefilling ${maxCtx} tokens (${shape} ${quant}): ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB ` +
          `(file ${(r.weights / 2 ** 20).toFixed(0)} MiB, KV cache ${(r.kv / 2 ** 20).toFixed(0)} MiB; prefill ${r.ms.toFixed(0)} ms)`,
      );
      emit({
        bench: 'rss',
        model: shape,
        shape,
        quant,
        kv: o.kv,
        ctx: maxCtx,
        max_rss_bytes: r.maxRssBytes,
        weight_bytes: r.weights,
        kv_bytes: r.kv,
      });
    }
  }
  say(
    `\nload average at the end: ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
}

main().catch((err: Error) => {
  console.error(`bench:infer: ${err.message.split('\n')[0]}`);
  process.exit(1);
});
