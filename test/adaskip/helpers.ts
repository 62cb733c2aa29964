// A tiny model and helpers shared by the AdaSkip tests: forced-token runs that record every
// logit vector, a reference session with hand-written skip hooks, and hand-made profiles.
import { Rng } from '../../src/util/rng.ts';
import { parseLlamaConfig } from '../../src/model/config.ts';
import { LlamaModel, type SublayerHooks } from '../../src/model/llama.ts';
import { InferenceSession } from '../../src/model/inference.ts';
import { fingerprintModel, PROFILE_FORMAT, type AdaSkipProfile } from '../../src/adaskip/profile.ts';

export const config = parseLlamaConfig({
  vocabSize: 40,
  dim: 32,
  layers: 4,
  heads: 4,
  kvHeads: 2,
  ffnHidden: 48,
  maxSeqLen: 256,
});
export const model = LlamaModel.initialised(config, 11);
// larger weights than the 0.02 init, so that sublayers change the residual visibly
for (let i = 0; i < model.params.flat.length; i++) model.params.flat[i] *= 6;

export function tokens(n: number, seed = 1, vocab = config.vocabSize): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(vocab));
}

/** Prefill `prompt`, then decode `forced` one by one; returns a copy of every logit vector. */
export function forcedRun(session: InferenceSession, prompt: Int32Array, forced: Int32Array): Float32Array[] {
  const out = [Float32Array.from(session.prefill(prompt).data)];
  for (const t of forced) out.push(Float32Array.from(session.decode(t).data));
  return out;
}

/** A session whose skip plan is given by two arrays of scales (null = run), per phase. */
export function manualSession(
  attn: Array<number | null>,
  ffn: Array<number | null>,
  noCacheLayers: number[] = [],
): InferenceSession {
  const hooks: SublayerHooks = { skip: (l, kind) => (kind === 'attn' ? attn[l] : ffn[l]) };
  return new InferenceSession(model, { hooks, noCacheLayers, chunk: 16 });
}

export function handProfile(attnSim: number[], ffnSim: number[], layerSim?: number[], target = model): AdaSkipProfile {
  const layers = attnSim.length;
  return {
    format: PROFILE_FORMAT,
    version: 1,
    model: fingerprintModel(target),
    calibration: { requests: 1, tokens: 10, createdAt: 'test' },
    attn: { similarity: attnSim, ratio: attnSim.map((_, l) => 1 + 0.01 * (l + 1)) },
    ffn: { similarity: ffnSim, ratio: ffnSim.map((_, l) => 1 + 0.02 * (l + 1)) },
    layerSimilarity: layerSim ?? new Array(layers).fill(0.5),
  };
}
