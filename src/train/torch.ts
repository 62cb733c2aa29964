// Runs a training config through the optional PyTorch trainer in scale/torch (torchrun, DDP or
// FSDP) instead of lmlab's engine: finds a Python that imports torch, launches
// `python -m torch.distributed.run --nproc_per_node N scale/torch/train.py ...` and reads the
// run's metrics.jsonl back. The checkpoints it writes are Hugging Face model folders, so every
// lmlab command loads them. Missing Python or PyTorch is an LmlabError naming the piece to
// install. Not here: the trainer itself (Python, scale/torch/lmlab_torch).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmlabError } from '../util/errors.ts';

/** scale/torch/train.py of this checkout. */
export const TORCH_TRAINER = fileURLToPath(new URL('../../scale/torch/train.py', import.meta.url));
export const TORCH_SCORER = fileURLToPath(new URL('../../scale/torch/score.py', import.meta.url));

export interface TorchPython {
  python: string;
  torchVersion: string;
  cuda: boolean;
}

const found = new Map<string, TorchPython | null>();

/**
 * $LMLAB_PYTHON when it is set, else the first of /usr/bin/python3 and python3 that imports
 * torch and numpy; null when none does. (A pyenv or venv python3 on PATH often lacks Debian's
 * python3-torch.)
 */
export function findTorchPython(): TorchPython | null {
  const candidates = process.env.LMLAB_PYTHON ? [process.env.LMLAB_PYTHON] : ['/usr/bin/python3', 'python3'];
  const key = candidates.join('\0');
  if (found.has(key)) return found.get(key)!;
  found.set(key, probe(candidates));
  return found.get(key)!;
}

function probe(candidates: string[]): TorchPython | null {
  for (const python of candidates) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    const r = spawnSync(
      python,
      ['-c', 'import torch, numpy; print(torch.__version__, int(torch.cuda.is_available()))'],
      { encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status === 0) {
      const [torchVersion, cuda] = r.stdout.trim().split(/\s+/);
      return { python, torchVersion, cuda: cuda === '1' };
    }
  }
  return null;
}

export function requireTorchPython(): TorchPython {
  const p = findTorchPython();
  if (!p)
    throw new LmlabError(
      'the PyTorch engine needs Python 3 with torch and numpy (Debian: apt-get install python3-torch python3-numpy; or set LMLAB_PYTHON to a python that has them)',
    );
  return p;
}

export interface TorchRunOptions {
  configPath: string;
  runDir: string;
  /** processes (torchrun --nproc_per_node) */
  processes?: number;
  /** model folder with the initial weights */
  init?: string;
  resume?: boolean;
  /** stage index → data directory (lmlab shards or MDS) replacing the config's */
  stageData?: Record<number, string>;
  fsdp?: boolean;
  /** stop (with a checkpoint) after this step */
  maxSteps?: number;
  dtype?: 'float32' | 'bf16';
  device?: 'auto' | 'cpu' | 'cuda';
  threads?: number;
  /** extra environment (e.g. MASTER_PORT) */
  env?: Record<string, string>;
  onLine?: (line: string) => void;
}

export interface TorchMetrics {
  step: number;
  stage: number;
  loss: number;
  lr: number;
  gradNorm: number;
  tokensPerSecond: number;
}

/** The newest checkpoint (a model folder) the PyTorch trainer wrote in runDir, or null. */
export function torchLatestCheckpoint(runDir: string): string | null {
  const pointer = join(runDir, 'checkpoints', 'latest');
  if (!existsSync(pointer)) return null;
  const dir = join(runDir, 'checkpoints', readFileSync(pointer, 'utf8').trim());
  return existsSync(join(dir, 'trainer-state.pt')) && existsSync(join(dir, 'model.safetensors')) ? dir : null;
}

/** Launches the PyTorch trainer and waits for it; returns the per-step metrics it logged. */
export async function runTorchTrainer(
  o: TorchRunOptions,
): Promise<{ steps: TorchMetrics[]; evals: Array<{ step: number; evalLoss: number }> }> {
  const { python, torchVersion } = requireTorchPython();
  if (!existsSync(TORCH_TRAINER))
    throw new LmlabError(`the PyTorch trainer ${TORCH_TRAINER} is missing from this installation`);
  const args = [
    '-m',
    'torch.distributed.run',
    '--nproc_per_node',
    String(o.processes ?? 1),
    '--master_port',
    o.env?.MASTER_PORT ?? String(29500 + (process.pid % 2000)),
    // torch 1.x's launcher cannot parse its default output settings ("0") under Python ≥ 3.11
    ...(torchVersion.startsWith('1.')
      ? ['--redirects', '1', '--tee', '1', '--log_dir', `${o.runDir}/torchrun-logs`]
      : []),
    TORCH_TRAINER,
    '--config',
    o.configPath,
    '--run-dir',
    o.runDir,
  ];
  if (o.init) args.push('--init', o.init);
  if (o.resume) args.push('--resume');
  for (const [i, dir] of Object.entries(o.stageData ?? {})) args.push('--stage-data', `${i}=${dir}`);
  if (o.fsdp) args.push('--fsdp');
  if (o.maxSteps !== undefined) args.push('--max-steps', String(o.maxSteps));
  if (o.dtype) args.push('--dtype', o.dtype);
  if (o.device) args.push('--device', o.device);
  if (o.threads) args.push('--threads', String(o.threads));
  const child = spawn(python, args, {
    env: { ...process.env, OMP_NUM_THREADS: String(o.threads ?? 1), ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const take = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-4000);
    for (const line of text.split('\n')) if (line.trim()) o.onLine?.(line);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  if (code !== 0) {
    const lines = tail
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .reverse();
    const error = lines.find((l) => /^error: |Error: /.test(l)) ?? lines[0] ?? '';
    throw new LmlabError(`the PyTorch trainer failed (exit ${code}): ${error}`);
  }
  const lines = readFileSync(`${o.runDir}/metrics.jsonl`, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  return { steps: lines.filter((l) => 'loss' in l), evals: lines.filter((l) => 'evalLoss' in l) };
}
