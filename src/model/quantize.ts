// In-memory conversion between a float32 parameter set and a quantized one (the matrices in
// GGUF blocks, as a quantized GGUF file loads): quantizeParams encodes every matrix whose rows are
// whole blocks with the encoders of src/io/ggml-quants.ts (Q8_0 or Q4_K), dequantizeParams turns
// a quantized set back into plain float32 (what loading the same file dequantized gives).
// Used by the benchmarks on random-weight models and by the tests. Not here: files (src/io).
import { dequantize, quantizeQ4_K, quantizeQ8_0 } from '../io/ggml-quants.ts';
import { QUANT_TYPES, QuantMatrix } from '../engine/quant.ts';
import { ParameterSet } from './params.ts';

export type InMemoryQuant = 'Q8_0' | 'Q4_K';

/** A new set with the matrices (and the embedding table) quantized; norms and biases stay float32. */
export function quantizeParams(params: ParameterSet, type: InMemoryQuant): ParameterSet {
  const per = type === 'Q8_0' ? 32 : 256;
  const quantized = new Map<string, QuantMatrix>();
  for (const spec of params.specs) {
    if (spec.shape.length !== 2 || spec.shape[1] % per !== 0) continue;
    if (spec.kind !== 'matrix' && spec.kind !== 'embedding') continue;
    const data = params.get(spec.name).data;
    const bytes = type === 'Q8_0' ? quantizeQ8_0(data) : quantizeQ4_K(data);
    quantized.set(spec.name, new QuantMatrix(QUANT_TYPES[type], spec.shape[0], spec.shape[1], bytes));
  }
  const out = new ParameterSet(params.config, undefined, params.arch, quantized);
  for (const spec of params.specs)
    if (!quantized.has(spec.name)) out.get(spec.name).data.set(params.get(spec.name).data);
  return out;
}

/** A float32 set holding the dequantized values of a (possibly) quantized one. */
export function dequantizeParams(params: ParameterSet): ParameterSet {
  const out = new ParameterSet(params.config, undefined, params.arch);
  for (const spec of params.specs) {
    const m = params.matrix(spec.name);
    if (m instanceof QuantMatrix) {
      const file = m.fileLayout(); // interleaved runs back to rows
      dequantize(file.type, file.data, out.get(spec.name).data);
    } else out.get(spec.name).data.set(m.data);
  }
  return out;
}
