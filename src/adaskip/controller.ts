// Applying a skip method to inference: the engine hooks (which sublayer to replace by a residual
// scaling, in which phase), the layers that need no KV cache, the per-request lifecycle
// (prefill, then decode steps), AdaSkip's online decode rule and SkipDecode's decode ramp, and
// the accounting of what was skipped (sublayer calls, FLOPs, KV bytes).
//
// Modes (the AdaSkip paper's prefill, decode and end-to-end settings): prefill = the offline set in prefill and decode; decode = dense prefill (full
// KV), offline set plus online FFNs in decode; e2e = offline set in prefill, plus online FFNs in
// decode. Online rule (AdaSkip only, modes decode/e2e): during the first 20 decode steps of a
// request every FFN still running keeps running means of cos(a_t, m_t) and ‖m_t‖/‖a_t‖; after
// them each FFN whose decode similarity is ≥ τ is skipped for the rest of the request with its
// decode ratio. `compat` resets τ to 1.0 at every request, as the public code does.
// SkipDecode in mode decode ramps its layers in linearly over the first 512 decode tokens; when
// prefill already skipped them (modes prefill/e2e) they have no KV cache, so the set is full.
//
// Not here: choosing the sets (plan.ts, cost.ts), sampling (src/model/generate.ts).
import * as ops from '../engine/ops.ts';
import { LmlabError } from '../util/errors.ts';
import { headDim, type LlamaConfig } from '../model/config.ts';
import type { SublayerHooks, SublayerKind } from '../model/hooks.ts';
import { InferenceSession } from '../model/inference.ts';
import type { LlamaModel } from '../model/llama.ts';
import type { Tensor } from '../engine/tensor.ts';
import { attnFlops, ffnFlops, headFlops } from '../model/flops.ts';
import { costAwareSet, type SublayerTimes } from './cost.ts';
import {
  countSkipped,
  describeSet,
  selectSkipSet,
  type Budget,
  type SkipMethod,
  type SkipMode,
  type SkipSet,
} from './plan.ts';
import { checkProfileMatches, type AdaSkipProfile } from './profile.ts';

export const ONLINE_STEPS = 20;
export const SKIPDECODE_RAMP_TOKENS = 512;

export interface AdaSkipOptions extends Budget {
  method?: SkipMethod;
  mode: SkipMode;
  /** reset τ to 1.0 per request (the public code's behaviour; disables the online rule) */
  compat?: boolean;
  /** seed of the random baseline */
  seed?: number;
  /** cost-aware: share of the measured sublayer time to skip, and the measurement */
  timeBudget?: number;
  sublayerTimes?: SublayerTimes;
  onlineSteps?: number;
  rampTokens?: number;
}

export interface PhaseAccount {
  tokens: number;
  flops: number;
  flopsSkipped: number;
  sublayerCalls: number;
  sublayersSkipped: number;
}

export interface AdaSkipStats {
  method: SkipMethod;
  mode: SkipMode;
  /** the offline set, e.g. "attn 3, ffn 7" */
  offline: string;
  offlineCount: number;
  tau: number;
  /** FFN layers added by the online rule in the current request */
  onlineAdded: number[];
  /** decode steps done when they were added (they are skipped from the next step on); null if none */
  onlineAddedAfterStep: number | null;
  /**
   * When the online window closed in the current request: τ and the FFN still running whose mean
   * decode similarity came closest to it (how near the rule came to acting); null before that,
   * or when the method has no online rule
   */
  onlineWindow: OnlineWindow | null;
  prefill: PhaseAccount;
  decode: PhaseAccount;
  /** share of all forward FLOPs (sublayers + head) not computed */
  flopShareSkipped: number;
  /** KV bytes never written because the attention was skipped */
  kvBytesSaved: number;
  noCacheLayers: number[];
}

export interface OnlineWindow {
  tau: number;
  closestLayer: number;
  closestSimilarity: number;
}

const NOT_SKIPPED = Number.NaN;

function toScales(values: Array<number | null>): Float64Array {
  return Float64Array.from(values, (v) => (v === null ? NOT_SKIPPED : v));
}

function newAccount(): PhaseAccount {
  return { tokens: 0, flops: 0, flopsSkipped: 0, sublayerCalls: 0, sublayersSkipped: 0 };
}

export class AdaSkipController {
  readonly hooks: SublayerHooks;
  readonly noCacheLayers: number[];
  readonly method: SkipMethod;
  readonly mode: SkipMode;
  private readonly config: LlamaConfig;
  private readonly prefillAttn: Float64Array;
  private readonly prefillFfn: Float64Array;
  private readonly decodeAttn: Float64Array;
  private readonly decodeFfn: Float64Array;
  private readonly onlineSim: Float64Array;
  private readonly onlineRatio: Float64Array;
  private readonly cos = new Float32Array(1);
  private readonly normBefore = new Float32Array(1);
  private readonly normAfter = new Float32Array(1);
  private readonly online: boolean;
  private readonly compat: boolean;
  private readonly onlineSteps: number;
  private readonly rampTokens: number;
  private phase: 'prefill' | 'decode' = 'prefill';
  private decodeStep = 0;
  private onlineTau: number;
  private onlineAdded: number[] = [];
  private onlineWindow: OnlineWindow | null = null;
  private kvBytesSaved = 0;
  private readonly accounts = { prefill: newAccount(), decode: newAccount() };

  constructor(
    model: LlamaModel,
    readonly set: SkipSet,
    options: AdaSkipOptions,
  ) {
    const c = model.config;
    this.config = c;
    this.method = options.method ?? 'adaskip';
    this.mode = options.mode;
    this.onlineSteps = options.onlineSteps ?? ONLINE_STEPS;
    this.rampTokens = options.rampTokens ?? SKIPDECODE_RAMP_TOKENS;
    const offlineAttn = toScales(set.attn);
    const offlineFfn = toScales(set.ffn);
    const skipsPrefill = this.mode !== 'decode';
    this.prefillAttn = skipsPrefill ? offlineAttn : new Float64Array(c.layers).fill(NOT_SKIPPED);
    this.prefillFfn = skipsPrefill ? offlineFfn : new Float64Array(c.layers).fill(NOT_SKIPPED);
    this.decodeAttn = new Float64Array(c.layers);
    this.decodeFfn = new Float64Array(c.layers);
    this.onlineSim = new Float64Array(c.layers);
    this.onlineRatio = new Float64Array(c.layers);
    this.online = this.method === 'adaskip' && this.mode !== 'prefill';
    this.compat = options.compat ?? false;
    this.onlineTau = set.tau;
    this.noCacheLayers = skipsPrefill ? set.attn.flatMap((s, l) => (s !== null ? [l] : [])) : [];
    const skip = (layer: number, kind: SublayerKind): number | null => {
      const scales =
        this.phase === 'prefill'
          ? kind === 'attn'
            ? this.prefillAttn
            : this.prefillFfn
          : kind === 'attn'
            ? this.decodeAttn
            : this.decodeFfn;
      const s = scales[layer];
      return s === s ? s : null; // NaN = run the sublayer
    };
    // the session drives the request lifecycle through these hooks: a prefill or decode from an
    // empty context starts a request, each decode step is counted
    const lifecycle: SublayerHooks = {
      skip,
      requestStart: () => this.startRequest(),
      prefill: (past, n) => this.beginPrefill(past, n),
      decodeStep: (past) => this.beginDecode(past),
      decodeStepEnd: () => this.endDecodeStep(),
    };
    this.hooks = this.online
      ? { ...lifecycle, observe: (l, kind, before, after) => this.observe(l, kind, before, after) }
      : lifecycle;
    this.startRequest();
  }

  /** Starts a request: the decode set returns to the offline set and the online rule restarts. */
  startRequest(): void {
    this.phase = 'prefill';
    this.decodeStep = 0;
    this.decodeAttn.set(toScales(this.set.attn));
    this.decodeFfn.set(toScales(this.set.ffn));
    if (this.method === 'skipdecode' && this.mode === 'decode') {
      this.decodeAttn.fill(NOT_SKIPPED);
      this.decodeFfn.fill(NOT_SKIPPED);
    }
    this.onlineSim.fill(0);
    this.onlineRatio.fill(0);
    this.onlineAdded = [];
    this.onlineWindow = null;
    this.onlineTau = this.compat ? 1.0 : this.set.tau;
  }

  /** Before a prefill of n tokens after `past` tokens of context. */
  beginPrefill(past: number, n: number): void {
    this.phase = 'prefill';
    this.account(this.accounts.prefill, this.prefillAttn, this.prefillFfn, past, n);
  }

  /** Before each decode token (the token goes to position `past`). */
  beginDecode(past: number): void {
    this.phase = 'decode';
    if (this.method === 'skipdecode' && this.mode === 'decode') this.ramp();
    this.account(this.accounts.decode, this.decodeAttn, this.decodeFfn, past, 1);
  }

  /** After each decode token: closes the online learning window after its 20th step. */
  endDecodeStep(): void {
    this.decodeStep++;
    if (!this.online || this.decodeStep !== this.onlineSteps) return;
    for (let l = 0; l < this.config.layers; l++) {
      if (this.decodeFfn[l] === this.decodeFfn[l]) continue;
      const similarity = this.onlineSim[l] / this.onlineSteps;
      if (this.onlineWindow === null || similarity > this.onlineWindow.closestSimilarity)
        this.onlineWindow = { tau: this.onlineTau, closestLayer: l, closestSimilarity: similarity };
      if (similarity >= this.onlineTau) {
        this.decodeFfn[l] = this.onlineRatio[l] / this.onlineSteps;
        this.onlineAdded.push(l);
      }
    }
  }

  /** The decode similarity measured so far for an FFN (mean over the online steps seen). */
  onlineSimilarity(layer: number): number {
    const steps = Math.min(this.decodeStep, this.onlineSteps);
    return steps > 0 ? this.onlineSim[layer] / steps : Number.NaN;
  }

  /** A new inference session wired to this controller. */
  newSession(model: LlamaModel, chunk?: number): InferenceSession {
    return new InferenceSession(model, {
      ...(chunk ? { chunk } : {}),
      hooks: this.hooks,
      noCacheLayers: this.noCacheLayers,
    });
  }

  stats(): AdaSkipStats {
    const p = this.accounts.prefill;
    const d = this.accounts.decode;
    const flops = p.flops + d.flops;
    return {
      method: this.method,
      mode: this.mode,
      offline: describeSet(this.set),
      offlineCount: countSkipped(this.set),
      tau: this.set.tau,
      onlineAdded: [...this.onlineAdded],
      onlineAddedAfterStep: this.onlineAdded.length > 0 ? this.onlineSteps : null,
      onlineWindow: this.onlineWindow ? { ...this.onlineWindow } : null,
      prefill: { ...p },
      decode: { ...d },
      flopShareSkipped: flops > 0 ? (p.flopsSkipped + d.flopsSkipped) / flops : 0,
      kvBytesSaved: this.kvBytesSaved,
      noCacheLayers: [...this.noCacheLayers],
    };
  }

  private ramp(): void {
    const order = this.set.layerOrder ?? [];
    const active = Math.min(order.length, Math.floor((order.length * (this.decodeStep + 1)) / this.rampTokens));
    for (let k = 0; k < active; k++) {
      this.decodeAttn[order[k]] = this.set.attn[order[k]] ?? 1;
      this.decodeFfn[order[k]] = this.set.ffn[order[k]] ?? 1;
    }
  }

  private account(a: PhaseAccount, attn: Float64Array, ffn: Float64Array, past: number, n: number): void {
    const c = this.config;
    const attnCost = attnFlops(c, n, past);
    const ffnCost = ffnFlops(c, n);
    const kvPerToken = 2 * c.kvHeads * headDim(c) * 4;
    a.tokens += n;
    a.flops += c.layers * (attnCost + ffnCost) + headFlops(c);
    a.sublayerCalls += 2 * c.layers;
    for (let l = 0; l < c.layers; l++) {
      if (attn[l] === attn[l]) {
        a.flopsSkipped += attnCost;
        a.sublayersSkipped++;
        this.kvBytesSaved += n * kvPerToken;
      }
      if (ffn[l] === ffn[l]) {
        a.flopsSkipped += ffnCost;
        a.sublayersSkipped++;
      }
    }
  }

  private observe(layer: number, kind: SublayerKind, before: Tensor, after: Tensor): void {
    if (kind !== 'ffn' || this.phase !== 'decode' || this.decodeStep >= this.onlineSteps) return;
    if (this.decodeFfn[layer] === this.decodeFfn[layer]) return; // already skipped
    ops.rowCosine(before, after, this.cos, this.normBefore, this.normAfter);
    this.onlineSim[layer] += this.cos[0];
    this.onlineRatio[layer] += this.normBefore[0] > 0 ? this.normAfter[0] / this.normBefore[0] : 1;
  }
}

/**
 * Builds the skip controller for a model: checks that the profile belongs to it, selects the
 * set of the method (cost-aware needs measured sublayer times and a time budget).
 */
export function createAdaSkipHooks(
  model: LlamaModel,
  profile: AdaSkipProfile | null,
  options: AdaSkipOptions,
): AdaSkipController {
  if (profile) checkProfileMatches(profile, model);
  const method = options.method ?? 'adaskip';
  let set: SkipSet;
  if (method === 'cost-aware') {
    if (!profile) throw new LmlabError('method cost-aware needs a calibration profile (lmlab adaskip calibrate)');
    if (!options.sublayerTimes || options.timeBudget === undefined)
      throw new LmlabError('method cost-aware needs measured sublayer times and a time budget');
    set = costAwareSet(profile, options.sublayerTimes, options.timeBudget);
  } else {
    set = selectSkipSet(method, model.config.layers, profile, options);
  }
  return new AdaSkipController(model, set, { ...options, method });
}
