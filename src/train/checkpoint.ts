// Training checkpoints: everything needed to continue a run exactly.
//
//   <run>/checkpoints/step-000200/
//       config.json, model.safetensors   the model in Hugging Face layout (loadable elsewhere)
//       optimizer.safetensors            AdamW moments m.* and v.* under the parameter names
//       state.json                       step, optimiser step, data cursors, RNG state, config
//       SHA256SUMS                       checksums of the files above, written last
//   <run>/checkpoints/latest             name of the newest complete checkpoint
//
// A checkpoint is written into a temporary folder and renamed into place, then `latest` is
// replaced atomically, so an interruption at any moment leaves the previous checkpoint intact.
// Resuming verifies the checksums; a damaged checkpoint is skipped for the previous good one.
// Retention orders checkpoints by step number and never removes the one just written.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { SafetensorsFile, writeSafetensors } from '../io/safetensors.ts';
import { type SaveHfOptions, loadHfCheckpoint, saveHfCheckpoint } from '../io/hf-llama.ts';
import { fromHuggingFaceJson } from '../tokenizer/index.ts';
import type { LlamaConfig } from '../model/config.ts';
import { type ParameterSet, fromNamedTensors, toNamedTensors } from '../model/params.ts';
import { writeAtomic, writeDirAtomic } from '../util/atomic.ts';
import { verifyManifest, writeManifest } from '../util/checksums.ts';
import { sweepStaleTemps } from '../util/stale.ts';
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

const stepOf = (name: string): number | null => (/^step-(\d+)$/.test(name) ? Number(name.slice(5)) : null);

/** The run's checkpoint folder names with their steps, newest (highest step) first. */
export function listCheckpoints(runDir: string): { name: string; step: number }[] {
  const root = checkpointsDir(runDir);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .flatMap((name) => {
      const step = stepOf(name);
      return step === null ? [] : [{ name, step }];
    })
    .sort((a, b) => b.step - a.step);
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

export function saveCheckpoint(
  runDir: string,
  params: ParameterSet,
  optimizer: AdamW,
  state: TrainState,
  keep = 2,
  tokenizerPath?: string,
): string {
  const root = checkpointsDir(runDir);
  mkdirSync(root, { recursive: true });
  sweepStaleTemps(root);
  const name = `step-${String(state.step).padStart(6, '0')}`;
  const final = join(root, name);
  writeDirAtomic(final, (tmp) => {
    saveHfCheckpoint(tmp, params.config, toNamedTensors(params), tokenizerPath ? specialTokensOf(tokenizerPath) : {});
    const moments = new Map<string, { shape: number[]; data: Float32Array }>();
    for (const [prefix, set] of [
      ['m', optimizer.m],
      ['v', optimizer.v],
    ] as const) {
      for (const [tensorName, t] of toNamedTensors(set)) moments.set(`${prefix}.${tensorName}`, t);
    }
    writeSafetensors(join(tmp, 'optimizer.safetensors'), moments, {
      metadata: { optimizerStep: String(optimizer.step) },
    });
    // a checkpoint is a complete model directory: `lmlab generate <checkpoint>` works on it
    if (tokenizerPath && !existsSync(join(tmp, 'tokenizer.json')))
      copyFileSync(tokenizerPath, join(tmp, 'tokenizer.json'));
    writeAtomic(join(tmp, 'state.json'), JSON.stringify({ ...state, optimizerStep: optimizer.step }, null, 1));
    writeManifest(tmp); // last: a checkpoint with a complete manifest is complete
  });
  writeAtomic(join(root, 'latest'), name + '\n');
  // Keep this checkpoint and the newest `keep - 1` before it, by step number. Checkpoints past
  // this step belong to a continuation abandoned by resuming from an earlier one.
  const older = listCheckpoints(runDir).filter((c) => c.step < state.step);
  const doomed = [...listCheckpoints(runDir).filter((c) => c.step > state.step), ...older.slice(Math.max(0, keep - 1))];
  for (const c of doomed) rmSync(join(root, c.name), { recursive: true, force: true });
  return final;
}

/** The checkpoint `latest` names, or null when there is none (no check of its contents). */
export function latestCheckpoint(runDir: string): string | null {
  const pointer = join(checkpointsDir(runDir), 'latest');
  if (!existsSync(pointer)) return null;
  const name = readFileSync(pointer, 'utf8').trim();
  const dir = join(checkpointsDir(runDir), name);
  if (stepOf(name) === null || !existsSync(join(dir, 'state.json'))) {
    throw new LmlabError(`checkpoint pointer ${pointer} names "${name}", which is not a complete checkpoint`);
  }
  return dir;
}

/**
 * The newest checkpoint whose checksums verify and which loads, falling back past damaged ones
 * (each reported through `warn`); null when the run has no checkpoint at all. Throws when
 * checkpoints exist but none is good.
 */
export function loadNewestGoodCheckpoint(runDir: string, warn: (line: string) => void): LoadedCheckpoint | null {
  const all = listCheckpoints(runDir);
  if (all.length === 0) return null;
  const problems: string[] = [];
  for (const { name } of all) {
    const dir = join(checkpointsDir(runDir), name);
    const bad = verifyManifest(dir);
    let loaded: LoadedCheckpoint | null = null;
    let why = bad;
    if (!bad) {
      try {
        loaded = loadCheckpoint(dir);
      } catch (err) {
        why = (err as Error).message;
      }
    }
    if (loaded) {
      if (problems.length) warn(`resuming from the previous good checkpoint ${dir}`);
      return loaded;
    }
    problems.push(`${name}: ${why}`);
    warn(`checkpoint ${dir} is damaged (${why}); trying the previous one`);
  }
  throw new LmlabError(`no usable checkpoint in ${checkpointsDir(runDir)}: ${problems.join('; ')}`);
}

export function loadCheckpoint(dir: string): LoadedCheckpoint {
  let state: TrainState & { optimizerStep: number };
  try {
    state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  } catch (err) {
    throw new LmlabError(`checkpoint ${dir}: state.json is unreadable (${(err as Error).message.split('\n')[0]})`);
  }
  if (!Number.isInteger(state.step) || !Array.isArray(state.cursors) || !state.config) {
    throw new LmlabError(`checkpoint ${dir}: state.json is missing fields (step, cursors, config)`);
  }
  const hf = loadHfCheckpoint(dir);
  const config = state.config.model as LlamaConfig;
  const params = fromNamedTensors(config, hf.tensors, `checkpoint ${dir}`);
  const optimizerFile = SafetensorsFile.open(join(dir, 'optimizer.safetensors'));
  const m = params.like();
  const v = params.like();
  try {
    for (const [prefix, set] of [
      ['m', m],
      ['v', v],
    ] as const) {
      for (const spec of set.specs) {
        const t = optimizerFile.read(`${prefix}.${spec.name}`);
        const target = set.get(spec.name).data;
        if (t.data.length !== target.length)
          throw new LmlabError(`checkpoint ${dir}: optimizer tensor ${prefix}.${spec.name} has the wrong size`);
        target.set(t.data);
      }
    }
  } finally {
    optimizerFile.close();
  }
  return { dir, params, m: m.flat, v: v.flat, state: { ...state, step: state.step } };
}
