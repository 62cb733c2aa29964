// `lmlab weights quantize`: a Hugging Face LLaMA folder or a GGUF file in, a GGUF file out whose
// matrices are quantized with one of llama.cpp's presets (q8_0, q4_0, q4_k_m; the per-tensor
// choice is quantize-plan.ts). A GGUF input is streamed one tensor at a time (read, dequantize
// if it was quantized, encode, write), so a model larger than memory quantizes; its metadata is
// kept, with general.file_type and general.quantization_version set. A Hugging Face folder is
// read whole, as `weights to-gguf` does. The output appears atomically (temporary name, rename).
// Not here: argument parsing or printing (cli/weights.ts).
import { statSync } from 'node:fs';
import { LmlabError } from '../util/errors.ts';
import { hfToGguf } from './convert.ts';
import { GgufFile, writeGgufStreaming, type GgufMetadata, type GgufStorage, type GgufTensorSpec } from './gguf.ts';
import { QUANTIZATION_VERSION } from './gguf-llama.ts';
import { PRESET_FILE_TYPE, planQuantization, type QuantPreset } from './quantize-plan.ts';

export type QuantizeProgress = (index: number, count: number, tensor: GgufTensorSpec) => void;

export interface QuantizeSummary {
  tensors: number;
  /** how many tensors ended up with each storage type */
  types: Partial<Record<GgufStorage, number>>;
  bytes: number;
}

/** Quantizes `input` (folder or .gguf) into the GGUF file `output`. */
export function quantizeModel(
  input: string,
  output: string,
  preset: QuantPreset,
  onTensor?: QuantizeProgress,
): QuantizeSummary {
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch (err) {
    throw new LmlabError(`cannot open ${input}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const types: Partial<Record<GgufStorage, number>> = {};
  const count = (i: number, n: number, t: GgufTensorSpec) => {
    types[t.type] = (types[t.type] ?? 0) + 1;
    onTensor?.(i, n, t);
  };
  if (isDir) hfToGguf(input, output, { preset, onTensor: count });
  else quantizeGgufFile(input, output, preset, count);
  return { tensors: Object.values(types).reduce((a, b) => a + b, 0), types, bytes: statSync(output).size };
}

function quantizeGgufFile(input: string, output: string, preset: QuantPreset, onTensor: QuantizeProgress): void {
  const file = GgufFile.open(input);
  try {
    const metadata: GgufMetadata = new Map(file.metadata);
    metadata.set('general.file_type', { type: 'u32', value: PRESET_FILE_TYPE[preset] });
    metadata.set('general.quantization_version', { type: 'u32', value: QUANTIZATION_VERSION });
    const specs: GgufTensorSpec[] = file.tensors.map((t) => ({ name: t.name, shape: t.shape, type: 'F32' }));
    const planned = planQuantization(preset, specs);
    specs.forEach((spec, i) => (spec.type = planned[i]));
    writeGgufStreaming(
      output,
      metadata,
      specs,
      (i) => file.read(specs[i].name).data,
      (i, t) => onTensor(i, specs.length, t),
    );
  } finally {
    file.close();
  }
}
