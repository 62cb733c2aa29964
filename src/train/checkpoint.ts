// Training checkpoints: everything needed to continue a run exactly.
//
//   <run>/checkpoints/step-000200/
//       config.json, model.safetensors   the model in Hugging Face layout (loadable elsewhere)
//       optimizer.safetensors            AdamW moments m.* and v.* under the parameter names
//       state.json                       step, optimiser step, data cursors, RNG state, config
//   <run>/checkpoints/latest             name of the newest complete checkpoint
//
// A checkpoint is written into a temporary folder and renamed into place, then `latest` is
// replaced atomically, so an interruption at any moment leaves the previous checkpoint intact.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SafetensorsFile, writeSafetensors } from '../io/safetensors.ts';
import { type SaveHfOptions, loadHfCheckpoint, saveHfCheckpoint } from '../io/hf-llama.ts';
import { fromHuggingFaceJson } from '../tokenizer/index.ts';
import type { LlamaConfig } from '../model/config.ts';
import { ParameterSet, fromNamedTensors, toNamedTensors } from '../model/params.ts';
import type { AdamW } from './optimizer.ts';
import type { LoaderCursor } from './packing.ts';
import type { TrainConfig } from './config.ts';

export interface TrainState {
  /** optimiser steps completed */
  step: number;
  /** data cursor of each stage's loader */
  cursors: Array<LoaderCursor | null>;
  /** tokens consumed so far (scored or not) */
  tokensSeen: number;
  rngState: number[];
  config: TrainConfig;
  /** wall-clock seconds spent training so far (for throughput across resumes) */
  elapsed: number;
}

export interface LoadedCheckpoint {
  dir: string;
  params: ParameterSet;
  m: Float32Array;
  v: Float32Array;
  state: TrainState;
}

export function checkpointsDir(runDir: string): string {
  return join(runDir, 'checkpoints');
}

/** The tokenizer's BOS/EOS (ids and texts), so the checkpoint's config files name them. */
function specialTokensOf(tokenizerPath: string): SaveHfOptions {
  const text = readFileSync(tokenizerPath, 'utf8');
  const tokenizer = fromHuggingFaceJson(JSON.parse(text));
  const out: SaveHfOptions = { tokenizerJson: text };
  const bos = tokenizer.bosId;
  const eos = tokenizer.eosId;
  if (bos !== undefined) Object.assign(out, { bosTokenId: bos, bosToken: tokenizer.tokenString(bos) });
  if (eos !== undefined) Object.assign(out, { eosTokenId: eos, eosToken: tokenizer.tokenString(eos) });
  return out;
}

export function saveCheckpoint(runDir: string, params: ParameterSet, optimizer: AdamW, state: TrainState, keep = 2, tokenizerPath?: string): string {
  const root = checkpointsDir(runDir);
  mkdirSync(root, { recursive: true });
  const name = `step-${String(state.step).padStart(6, '0')}`;
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  saveHfCheckpoint(tmp, params.config, toNamedTensors(params), tokenizerPath ? specialTokensOf(tokenizerPath) : {});
  const moments = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [prefix, set] of [['m', optimizer.m], ['v', optimizer.v]] as const) {
    for (const [tensorName, t] of toNamedTensors(set)) moments.set(`${prefix}.${tensorName}`, t);
  }
  writeSafetensors(join(tmp, 'optimizer.safetensors'), moments, { metadata: { optimizerStep: String(optimizer.step) } });
  // a checkpoint is a complete model directory: `lmlab generate <checkpoint>` works on it
  if (tokenizerPath && !existsSync(join(tmp, 'tokenizer.json'))) copyFileSync(tokenizerPath, join(tmp, 'tokenizer.json'));
  writeFileSync(join(tmp, 'state.json'), JSON.stringify({ ...state, optimizerStep: optimizer.step }, null, 1));
  const final = join(root, name);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  const latestTmp = join(root, `.latest.tmp-${process.pid}`);
  writeFileSync(latestTmp, name + '\n');
  renameSync(latestTmp, join(root, 'latest'));
  // keep the newest `keep` checkpoints
  const all = readdirSync(root).filter((f) => /^step-\d+$/.test(f)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - keep))) rmSync(join(root, old), { recursive: true, force: true });
  return final;
}

/** The newest complete checkpoint of a run, or null when there is none. */
export function latestCheckpoint(runDir: string): string | null {
  const pointer = join(checkpointsDir(runDir), 'latest');
  if (!existsSync(pointer)) return null;
  const name = readFileSync(pointer, 'utf8').trim();
  const dir = join(checkpointsDir(runDir), name);
  if (!/^step-\d+$/.test(name) || !existsSync(join(dir, 'state.json'))) {
    throw new Error(`checkpoint pointer ${pointer} names "${name}", which is not a complete checkpoint`);
  }
  return dir;
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  let state: TrainState & { optimizerStep: number };
  try {
    state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  } catch (err) {
    throw new Error(`checkpoint ${dir}: state.json is unreadable (${(err as Error).message.split('\n')[0]})`);
  }
  if (!Number.isInteger(state.step) || !Array.isArray(state.cursors) || !state.config) {
    throw new Error(`checkpoint ${dir}: state.json is missing fields (step, cursors, config)`);
  }
  const hf = loadHfCheckpoint(dir);
  const config = state.config.model as LlamaConfig;
  const params = fromNamedTensors(config, hf.tensors, `checkpoint ${dir}`);
  const optimizerFile = SafetensorsFile.open(join(dir, 'optimizer.safetensors'));
  const m = params.like();
  const v = params.like();
  try {
    for (const [prefix, set] of [['m', m], ['v', v]] as const) {
      for (const spec of set.specs) {
        const t = optimizerFile.read(`${prefix}.${spec.name}`);
        const target = set.get(spec.name).data;
        if (t.data.length !== target.length) throw new Error(`checkpoint ${dir}: optimizer tensor ${prefix}.${spec.name} has the wrong size`);
        target.set(t.data);
      }
    }
  } finally {
    optimizerFile.close();
  }
  return { dir, params, m: m.flat, v: v.flat, state: { ...state, step: state.step } };
}
