// Finds a Python interpreter that can import a given module, for side-by-side peers. Debian's
// packages (python3-numpy, python3-torch) install for /usr/bin/python3, while the python3 first
// on PATH may be another interpreter that cannot import them: try both, report which was used.
import { spawnSync } from 'node:child_process';

export function findPython(module: string): string | null {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(candidate, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
    if (r.status === 0) return candidate;
  }
  return null;
}

/** Environment for a peer process: both cores, and none of the old-OpenBLAS workarounds. */
export function peerEnv(threads: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}
