// Where a result came from: the git commit of the working tree (and whether it had changes
// not committed), so a report can name the code that produced it. Outside a git checkout, or
// without git, it says so rather than failing. Not here: the command line (callers know it).
import { execFileSync } from 'node:child_process';

export interface Provenance {
  commit: string;
  dirty: boolean | null;
}

export function gitProvenance(cwd = process.cwd()): Provenance {
  const git = (args: string[]) =>
    execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
    return { commit, dirty };
  } catch {
    return { commit: 'unknown (not a git checkout)', dirty: null };
  }
}

export function describeProvenance(p: Provenance): string {
  if (p.dirty === null) return p.commit;
  return p.dirty ? `${p.commit} with changes not committed` : `${p.commit} (clean tree)`;
}
