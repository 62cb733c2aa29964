// `lmlab weights …`: inspect safetensors/GGUF files, convert checkpoints between the Hugging Face
// layout and GGUF, and quantize to GGUF. Argument checking and printing only; the work is in
// io/convert.ts, model/gguf-export.ts and io/quantize.ts.
import type { Command } from 'commander';
import { LmlabError } from './errors.ts';
import { describeWeightsFile, ggufToHf } from '../io/convert.ts';
import type { FloatDtype } from '../io/tensors.ts';
import { quantizeModel } from '../io/quantize.ts';
import { parsePreset, QUANT_PRESETS } from '../io/quantize-plan.ts';
import { hfFolderToGguf } from '../model/gguf-export.ts';
import { ProgressLine } from './progress.ts';

export function registerWeightsCommands(program: Command): void {
  const weights = program
    .command('weights')
    .description('inspect, convert and quantize model weight files (safetensors, Hugging Face folders, GGUF)');

  weights
    .command('inspect')
    .description('print the metadata and tensor list of a .safetensors or .gguf file')
    .argument('<file>', 'a .safetensors or .gguf file')
    .option('--all', 'list every tensor, not just the first 40')
    .action((file: string, opts: { all?: boolean }) => {
      // A reader such as `head` may close the pipe early: that is not an error worth a trace.
      process.stdout.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EPIPE') process.exit(0);
        throw err;
      });
      process.stdout.write(describeWeightsFile(file, opts.all ? Infinity : 40).join('\n') + '\n');
    });

  weights
    .command('to-gguf')
    .description(
      'convert a Hugging Face folder (Llama, Mistral, Qwen2/3, Gemma 2/3, Phi-3; config.json, safetensors, tokenizer.json) to GGUF for llama.cpp',
    )
    .argument('<hf-dir>', 'folder with config.json, model.safetensors[.index.json] and tokenizer.json')
    .argument('<out>', 'GGUF file to write')
    .option('--f16', 'store matrices as F16 (norms stay F32)')
    .option('--pre <name>', 'llama.cpp pre-tokenizer name, instead of detecting it')
    .option('--name <name>', 'general.name to record')
    .action((dir: string, out: string, opts: { f16?: boolean; pre?: string; name?: string }) => {
      console.log(
        hfFolderToGguf(dir, out, {
          fileType: opts.f16 ? 'F16' : 'F32',
          ...(opts.pre ? { pre: opts.pre } : {}),
          ...(opts.name ? { name: opts.name } : {}),
        }),
      );
    });

  weights
    .command('from-gguf')
    .description('convert a float LLaMA GGUF into a Hugging Face folder (config.json + safetensors)')
    .argument('<file>', 'GGUF file (F32, F16 or BF16 tensors)')
    .argument('<out-dir>', 'folder to write (created if missing)')
    .option('--dtype <dtype>', 'F32, F16 or BF16', 'F32')
    .action((file: string, outDir: string, opts: { dtype: string }) => {
      const dtype = opts.dtype.toUpperCase();
      if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') {
        throw new LmlabError(`--dtype must be F32, F16 or BF16, got ${opts.dtype}`);
      }
      console.log(ggufToHf(file, outDir, dtype as FloatDtype));
    });

  weights
    .command('quantize')
    .description(
      "quantize a Hugging Face LLaMA folder or a GGUF file into a GGUF with llama.cpp's q8_0, q4_0 or q4_k_m mix",
    )
    .argument('<in>', 'Hugging Face folder (config.json, safetensors, tokenizer.json) or .gguf file')
    .argument('<out>', 'GGUF file to write (appears only when complete)')
    .requiredOption('--type <type>', QUANT_PRESETS.join(' | '))
    .action((input: string, out: string, opts: { type: string }) => {
      const preset = parsePreset(opts.type);
      const progress = new ProgressLine(process.stderr, 2000);
      const start = Date.now();
      const summary = quantizeModel(input, out, preset, (i, n, t) =>
        progress.update(
          `quantize: tensor ${i + 1}/${n} ${t.name} → ${t.type} (${((Date.now() - start) / 1000).toFixed(0)} s)`,
        ),
      );
      progress.done();
      const types = Object.entries(summary.types)
        .map(([type, n]) => `${n} ${type}`)
        .join(', ');
      console.log(
        `${out}: ${preset}, ${summary.tensors} tensors (${types}), ${(summary.bytes / 2 ** 20).toFixed(1)} MiB`,
      );
    });
}
