// Shared helpers of the judge tests: whether sandboxed runs are possible here (root and a built
// launcher), temp problem packages, and a snapshot of what the sandbox could leave on the host.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLauncher, launcherPath, SANDBOX_UID } from '../../../src/codeelo/judge/sandbox.ts';

export const fixtures = new URL('./fixtures/', import.meta.url).pathname;

/** Reason to skip sandboxed tests, or false when they can run. */
export function sandboxSkipReason(): string | false {
  if (process.getuid?.() !== 0) return 'sandboxed judging needs root (CI runs as root)';
  if (!ensureLauncher()) return `sandbox launcher missing at ${launcherPath()} and cc could not build it (run npm ci)`;
  return false;
}

export function writeProblem(
  root: string,
  id: string,
  meta: Record<string, unknown>,
  files: Record<string, string>,
): string {
  const dir = join(root, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'problem.json'),
    JSON.stringify({
      id,
      title: id,
      timeLimitMs: 1000,
      memoryLimitMb: 64,
      rating: 800,
      tags: [],
      checker: { type: 'tokens' },
      interactive: false,
      solutions: [{ file: 'solutions/a.cpp', expected: 'AC' }],
      ...meta,
    }),
  );
  const all: Record<string, string> = {
    'statement.md': '## Statement\nx\n\n## Input\nx\n\n## Output\nx\n\n## Examples\nx\n',
    'tests/01.in': '1\n',
    'tests/01.ans': '1\n',
    'solutions/a.cpp': 'int main() {}\n',
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** PIDs of live processes owned by the sandbox uid (there should be none outside a run). */
export function sandboxUserProcesses(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
      if (Number(uid) === SANDBOX_UID) pids.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

function procField(pid: number, field: string): string | null {
  try {
    return new RegExp(`^${field}:\\s+(\\S+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * Processes of the sandbox user that no live sandbox launcher holds: what a run left behind.
 * Processes of other judgings running at the same time (other tests, other checkouts) descend
 * from their launcher and are not counted, so the check holds on a busy machine.
 */
export function leakedSandboxProcesses(): number[] {
  return sandboxUserProcesses().filter((pid) => {
    for (let at = pid, hops = 0; at > 1 && hops < 64; hops++) {
      let argv0 = '';
      try {
        argv0 = readFileSync(`/proc/${at}/cmdline`, 'utf8').split('\0')[0];
      } catch {
        return false; // ended while we looked: not a leftover
      }
      if (/(^|\/)sandbox$/.test(argv0) && Number(procField(at, 'Uid')) !== SANDBOX_UID) return false;
      const parent = Number(procField(at, 'PPid'));
      if (!parent) return false;
      at = parent;
    }
    return true;
  });
}

/** Names of sandbox cgroups (lmlab-sbx-*) present in the v1 hierarchies we use. */
export function sandboxCgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 4 || !existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.startsWith('lmlab-sbx-')) found.push(join(dir, entry.name));
      else walk(join(dir, entry.name), depth + 1);
    }
  };
  for (const controller of ['memory', 'pids', 'cpuacct']) walk(`/sys/fs/cgroup/${controller}`, 0);
  return found;
}
