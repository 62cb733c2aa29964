// Compiles (or syntax-checks) a source once per content hash, inside the sandbox with generous
// limits, into a read-only cache directory that later runs mount as /box. Deliberately keeps no
// index: the directory name is the hash of compiler command + source, so a cache hit is a stat.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmlabError } from '../../util/errors.ts';
import { compileStep, runEnv, type Language } from './languages.ts';
import { judgeSlots } from './limiter.ts';
import { runningAsRoot, runSandboxed, SANDBOX_UID } from './sandbox.ts';
import { signalName } from './verdict.ts';

export interface Artifact {
  ok: boolean;
  /** directory holding the runnable program, mounted read-only at /box for each run */
  dir: string;
  /** compiler diagnostics (trimmed), empty on success */
  message: string;
  cached: boolean;
}

// The wall limit only catches a compiler that sleeps; a loaded machine must not turn slow compiles into errors.
export const COMPILE_LIMITS = {
  cpuMs: 30_000,
  wallMs: 600_000,
  memoryKb: 1024 * 1024,
  procs: 128,
  outputKb: 256 * 1024,
  tmpKb: 512 * 1024,
};
const MESSAGE_LIMIT = 4000;

export function cacheRoot(): string {
  const own = runningAsRoot() ? '' : `-${process.getuid?.()}`; // never share a cache across users
  return process.env.LMLAB_JUDGE_CACHE ?? join(tmpdir(), `lmlab-judge-cache${own}`);
}

/** Files placed beside the source before compiling (testlib.h for checkers and generators). */
export interface ExtraFile {
  name: string;
  data: Buffer;
}

function artifactKey(lang: Language, source: Buffer, extra: ExtraFile[]): string {
  const h = createHash('sha256')
    .update(JSON.stringify([lang.id, lang.compile, lang.run]))
    .update('\0')
    .update(source);
  for (const f of extra) h.update('\0').update(f.name).update('\0').update(f.data);
  return h.digest('hex').slice(0, 32);
}

/**
 * The cache lives in a world-writable temp directory: refuse one that someone else could have
 * planted or can write to, since its binaries are what the judge runs.
 */
function safeCacheRoot(): string {
  const root = cacheRoot();
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const st = lstatSync(root);
  if (!st.isDirectory() || st.uid !== (process.getuid?.() ?? st.uid) || (st.mode & 0o022) !== 0) {
    throw new LmlabError(
      `compile cache ${root} is not a directory owned by us and closed to others: remove it or set LMLAB_JUDGE_CACHE`,
    );
  }
  return root;
}

export async function compileSource(lang: Language, source: Buffer, extra: ExtraFile[] = []): Promise<Artifact> {
  const root = safeCacheRoot();
  const key = artifactKey(lang, source, extra);
  const okDir = join(root, `${lang.id}-${key}`);
  const failedLog = join(root, `${lang.id}-${key}.ce`);
  if (existsSync(okDir)) return { ok: true, dir: okDir, message: '', cached: true };
  if (existsSync(failedLog)) return { ok: false, dir: '', message: readFileSync(failedLog, 'utf8'), cached: true };

  const work = mkdtempSync(join(root, 'build-'));
  try {
    const box = join(work, 'box');
    mkdirSync(box);
    const step = compileStep(lang, source);
    writeFileSync(join(box, step.sourceName), source);
    for (const f of extra) writeFileSync(join(box, f.name), f.data);
    if (runningAsRoot()) chownSync(box, SANDBOX_UID, SANDBOX_UID);
    chmodSync(work, 0o755);
    const log = join(work, 'compile.log');
    if (step.compile) {
      const limits = { ...COMPILE_LIMITS, cpuMs: lang.compileCpuMs ?? COMPILE_LIMITS.cpuMs };
      const env = runEnv(lang, 1024);
      const report = await judgeSlots.with(1, () =>
        runSandboxed({
          box,
          boxWritable: true,
          argv: step.compile!,
          stdout: log,
          stderr: log + '.err',
          limits,
          ...(env ? { env } : {}),
        }),
      );
      if (report.internal_error) throw new Error(`compiling in the sandbox failed: ${report.internal_error}`);
      if (report.limit !== 'none' || report.exit_code !== 0) {
        const text = [readFileSync(log, 'utf8'), readFileSync(log + '.err', 'utf8')].join('').trim();
        const why =
          report.limit !== 'none'
            ? `compiler exceeded its ${report.limit} limit`
            : report.signal !== null
              ? `compiler killed by ${signalName(report.signal)}`
              : `compiler exit code ${report.exit_code}`;
        const message = `${why}${text ? `\n${text}` : ''}`.slice(0, MESSAGE_LIMIT);
        // Only a genuine compiler verdict is remembered; a limit hit may be the machine's fault.
        if (report.limit === 'none') writeFileSync(failedLog, message);
        return { ok: false, dir: '', message, cached: false };
      }
    }
    // The cached artifact belongs to root and is read-only for the sandbox user (rootless: it
    // is mounted read-only all the same).
    if (runningAsRoot()) {
      for (const name of readdirSync(box)) chownSync(join(box, name), 0, 0);
      chownSync(box, 0, 0);
    }
    chmodSync(box, 0o755);
    try {
      renameSync(box, okDir);
    } catch (e) {
      if (!existsSync(okDir)) throw e; // another judging won the race with the same content
    }
    return { ok: true, dir: okDir, message: '', cached: false };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
