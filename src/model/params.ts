// Model parameters as named views into ONE flat Float32Array (Hugging Face LLaMA names), so that
// the optimiser, gradient norm and checkpoint code work on a single buffer, while the model code
// reads a tensor by name. Gradients and optimiser moments use the same layout.
// A set loaded from a quantized GGUF keeps some matrices as QuantMatrix (their GGUF blocks) and
// gives them no room in `flat`; such a set serves inference only (get() of one of them, like(),
// and so training and saving, refuse with an LmlabError).
import { LmlabError } from '../util/errors.ts';
import type { Matrix } from '../engine/ops.ts';
import { QuantMatrix, quantTypeName } from '../engine/quant.ts';
import { Tensor } from '../engine/tensor.ts';
import { Rng } from '../util/rng.ts';
import { type Architecture, llamaArchitecture } from './architecture.ts';
import { type LlamaConfig, headDim } from './config.ts';

export interface ParameterSpec {
  name: string;
  shape: number[];
  /** weight decay applies (matrices) or not (norms, embeddings unless asked) */
  kind: 'matrix' | 'norm' | 'embedding' | 'bias';
}

export function layerName(layer: number, suffix: string): string {
  return `model.layers.${layer}.${suffix}`;
}

/**
 * Every parameter tensor of the architecture, in storage order. Each layer's q/k/v weights and
 * its gate/up weights stay adjacent (the decode path reads them as one matrix); the optional
 * tensors of other families (biases, q/k norms, output norms) follow them.
 */
export function parameterSpecs(c: LlamaConfig, arch: Architecture = llamaArchitecture(c)): ParameterSpec[] {
  const hd = headDim(c);
  const specs: ParameterSpec[] = [
    { name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.dim], kind: 'embedding' },
  ];
  for (let l = 0; l < c.layers; l++) {
    const add = (suffix: string, shape: number[], kind: ParameterSpec['kind']) =>
      specs.push({ name: layerName(l, suffix), shape, kind });
    add('input_layernorm.weight', [c.dim], 'norm');
    add('self_attn.q_proj.weight', [c.heads * hd, c.dim], 'matrix');
    add('self_attn.k_proj.weight', [c.kvHeads * hd, c.dim], 'matrix');
    add('self_attn.v_proj.weight', [c.kvHeads * hd, c.dim], 'matrix');
    add('self_attn.o_proj.weight', [c.dim, c.heads * hd], 'matrix');
    if (arch.qkvBias) {
      add('self_attn.q_proj.bias', [c.heads * hd], 'bias');
      add('self_attn.k_proj.bias', [c.kvHeads * hd], 'bias');
      add('self_attn.v_proj.bias', [c.kvHeads * hd], 'bias');
    }
    if (arch.oBias) add('self_attn.o_proj.bias', [c.dim], 'bias');
    if (arch.qkNorm) {
      add('self_attn.q_norm.weight', [hd], 'norm');
      add('self_attn.k_norm.weight', [hd], 'norm');
    }
    if (arch.postNorms) add('post_attn_output_norm.weight', [c.dim], 'norm');
    add('post_attention_layernorm.weight', [c.dim], 'norm');
    add('mlp.gate_proj.weight', [c.ffnHidden, c.dim], 'matrix');
    add('mlp.up_proj.weight', [c.ffnHidden, c.dim], 'matrix');
    add('mlp.down_proj.weight', [c.dim, c.ffnHidden], 'matrix');
    if (arch.mlpBias) {
      add('mlp.gate_proj.bias', [c.ffnHidden], 'bias');
      add('mlp.up_proj.bias', [c.ffnHidden], 'bias');
      add('mlp.down_proj.bias', [c.dim], 'bias');
    }
    if (arch.postNorms) add('post_ffn_output_norm.weight', [c.dim], 'norm');
  }
  specs.push({ name: 'model.norm.weight', shape: [c.dim], kind: 'norm' });
  if (!c.tieEmbeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocabSize, c.dim], kind: 'matrix' });
  return specs;
}

export class ParameterSet {
  readonly flat: Float32Array;
  readonly specs: ParameterSpec[];
  private readonly byName = new Map<string, Tensor>();
  private readonly quant = new Map<string, QuantMatrix>();
  /** [offset, length] of each spec in `flat`, in spec order (length 0 for a quantized matrix) */
  readonly ranges: Array<[number, number]> = [];

  readonly arch: Architecture;

  constructor(
    readonly config: LlamaConfig,
    flat?: Float32Array,
    arch?: Architecture,
    quantized?: ReadonlyMap<string, QuantMatrix>,
  ) {
    this.arch = arch ?? llamaArchitecture(config);
    this.specs = parameterSpecs(config, this.arch);
    for (const [name, q] of quantized ?? []) {
      const spec = this.specs.find((s) => s.name === name);
      if (!spec || spec.shape.length !== 2 || spec.shape[0] !== q.rows || spec.shape[1] !== q.cols)
        throw new Error(`parameters: quantized ${name} [${q.shape.join(', ')}] does not match the config`);
      this.quant.set(name, q);
    }
    const sizeOf = (s: ParameterSpec) => (this.quant.has(s.name) ? 0 : s.shape.reduce((a, b) => a * b, 1));
    const total = this.specs.reduce((n, s) => n + sizeOf(s), 0);
    if (flat && flat.length !== total)
      throw new Error(`parameters: expected ${total} values for this config, got ${flat.length}`);
    this.flat = flat ?? new Float32Array(total);
    let offset = 0;
    for (const spec of this.specs) {
      const size = sizeOf(spec);
      if (!this.quant.has(spec.name))
        this.byName.set(spec.name, new Tensor(this.flat.subarray(offset, offset + size), spec.shape));
      this.ranges.push([offset, size]);
      offset += size;
    }
    // A tied head reads the embedding table under its own name.
    if (config.tieEmbeddings) {
      const embed = 'model.embed_tokens.weight';
      if (this.quant.has(embed)) this.quant.set('lm_head.weight', this.quant.get(embed)!);
      else this.byName.set('lm_head.weight', this.byName.get(embed)!);
    }
  }

  /** Whether any matrix is kept quantized (inference only). */
  get quantized(): boolean {
    return this.quant.size > 0;
  }

  /** Bytes of weights held: float32 values plus quantized blocks (a tied head counted once). */
  weightBytes(): number {
    let bytes = this.flat.byteLength;
    for (const [name, q] of this.quant)
      if (!(name === 'lm_head.weight' && this.config.tieEmbeddings)) bytes += q.byteLength;
    return bytes;
  }

  has(name: string): boolean {
    return this.byName.has(name) || this.quant.has(name);
  }

  /** A float32 tensor; a quantized matrix is refused (use matrix()). */
  get(name: string): Tensor {
    const t = this.byName.get(name);
    if (!t) {
      const q = this.quant.get(name);
      if (q)
        throw new LmlabError(
          `${name} is kept quantized (${quantTypeName(q.type)}): this needs float32 weights (training and saving a quantized model are not supported; load an F32/F16 model)`,
        );
      throw new Error(`parameters: no tensor named ${name}`);
    }
    return t;
  }

  /** A weight matrix as stored: float32 or quantized. */
  matrix(name: string): Matrix {
    return this.quant.get(name) ?? this.get(name);
  }

  /** The quantized matrices by name. */
  quantizedMatrices(): ReadonlyMap<string, QuantMatrix> {
    return this.quant;
  }

  layer(l: number, suffix: string): Tensor {
    return this.get(layerName(l, suffix));
  }

  /**
   * Tensors stored back to back viewed as one stacked matrix, no copy: the layout keeps each
   * layer's q/k/v projections and its gate/up projections adjacent so decode can run them as
   * one GEMV.
   */
  stacked(names: string[]): Tensor {
    const tensors = names.map((n) => this.get(n));
    const cols = tensors[0].shape[1];
    let end = tensors[0].data.byteOffset;
    for (const [i, t] of tensors.entries()) {
      if (t.data.byteOffset !== end || t.shape[1] !== cols)
        throw new Error(`parameters: ${names[i]} does not follow ${names[i - 1]} in storage`);
      end += t.data.byteLength;
    }
    const first = tensors[0].data;
    const rows = tensors.reduce((n, t) => n + t.shape[0], 0);
    return new Tensor(new Float32Array(first.buffer, first.byteOffset, rows * cols), [rows, cols]);
  }

  /**
   * The matrices as one stacked matrix for the fused decode GEMV: a view for float32 weights, a
   * copy made once for quantized ones of one type, after which the parts are views of that copy
   * (so their bytes are held once: fetch the parts after stacking); null when they cannot be
   * stacked (quantized in different types, or mixed).
   */
  stackedMatrix(names: string[]): Matrix | null {
    const quant = names.map((n) => this.quant.get(n));
    if (quant.every((q) => q === undefined)) return this.stacked(names);
    if (quant.some((q) => q === undefined)) return null;
    const stacked = QuantMatrix.stack(quant as QuantMatrix[]);
    if (!stacked) return null;
    let row = 0;
    for (const [i, name] of names.entries()) {
      const rows = quant[i]!.rows;
      this.quant.set(name, stacked.rowRange(row, row + rows));
      row += rows;
    }
    return stacked;
  }

  /** A zero-filled set with the same layout (gradients, optimiser moments). */
  like(): ParameterSet {
    if (this.quantized)
      throw new LmlabError(
        'training is not supported on a quantized model (its matrices are kept in GGUF blocks); load an F32/F16/BF16 model',
      );
    return new ParameterSet(this.config, undefined, this.arch);
  }

  /**
   * GPT-2/LLaMA-style initialisation: N(0, 0.02) for matrices and embeddings, output
   * projections of each residual branch scaled by 1/sqrt(2·layers), norms at 1.
   */
  initialise(seed: number): this {
    const rng = new Rng(seed);
    const residualScale = 1 / Math.sqrt(2 * this.config.layers);
    for (const spec of this.specs) {
      const data = this.get(spec.name).data;
      if (spec.kind === 'norm' || spec.kind === 'bias') {
        data.fill(spec.kind === 'norm' ? 1 : 0);
        continue;
      }
      const std = /o_proj|down_proj/.test(spec.name) ? 0.02 * residualScale : 0.02;
      for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    }
    return this;
  }
}

/** The parameters as Hugging Face-named tensors (views, no copy) for the checkpoint writers. */
export function toNamedTensors(params: ParameterSet): Map<string, { shape: number[]; data: Float32Array }> {
  const named = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const spec of params.specs) named.set(spec.name, { shape: [...spec.shape], data: params.get(spec.name).data });
  return named;
}

/** Copies named tensors (e.g. read from a checkpoint) into a new ParameterSet for config. */
export function fromNamedTensors(
  config: LlamaConfig,
  named: Map<string, { shape: readonly number[]; data: Float32Array }>,
  where = 'checkpoint',
  arch?: Architecture,
): ParameterSet {
  const params = new ParameterSet(config, undefined, arch);
  for (const spec of params.specs) {
    const t = named.get(spec.name);
    if (!t) throw new LmlabError(`${where}: missing tensor ${spec.name}`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new LmlabError(
        `${where}: tensor ${spec.name} has shape [${t.shape.join(', ')}], the config needs [${spec.shape.join(', ')}]`,
      );
    }
    params.get(spec.name).data.set(t.data);
  }
  return params;
}
