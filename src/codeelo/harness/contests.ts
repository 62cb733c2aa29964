// Which contests a run covers: `bundled` (both bundled contests with their simulated human
// fields), `bundled:<id>`, a contest pack file, or a directory of packs; for each contest, its
// problems resolved to statements and local tests through the problem sources.
// It does not rate (the ratings module does) nor run anything.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPack, loadPackDir, type ContestPack } from '../rating/pack.ts';
import { problemFromPackage, resolveProblem, type HarnessProblem, type ProblemSources } from './problems.ts';
import { BUNDLED_CONTESTS, bundledContest, simulatedPack, type BundledContest } from './simulated.ts';
import { LmlabError } from '../../util/errors.ts';

export const BUNDLED_PROBLEMS_DIR = fileURLToPath(new URL('../../../problems/', import.meta.url));

export interface RunContest {
  pack: ContestPack;
  simulated: boolean;
  problems: HarnessProblem[];
}

function bundledRunContest(contest: BundledContest, problemsRoot: string): RunContest {
  const pack = simulatedPack(contest);
  const problems = contest.problems.map((p) =>
    problemFromPackage(join(problemsRoot, p.problem), {
      contestId: contest.id,
      index: p.index,
      key: `${contest.id}${p.index}`,
      rating: p.rating,
      tags: p.tags,
    }),
  );
  return { pack, simulated: true, problems };
}

/** Parses a comma-separated --contests list into contests, in the order given. */
export function selectContests(
  spec: string,
  sources: ProblemSources,
  problemsRoot = BUNDLED_PROBLEMS_DIR,
): RunContest[] {
  const out: RunContest[] = [];
  const seen = new Set<number>();
  const add = (c: RunContest): void => {
    if (seen.has(c.pack.contest.id)) throw new LmlabError(`contest ${c.pack.contest.id} is listed twice in --contests`);
    seen.add(c.pack.contest.id);
    out.push(c);
  };
  for (const item of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (item === 'bundled') {
      for (const c of BUNDLED_CONTESTS) add(bundledRunContest(c, problemsRoot));
      continue;
    }
    const bundledId = /^bundled:(\d+)$/.exec(item);
    if (bundledId) {
      const contest = bundledContest(Number(bundledId[1]));
      if (!contest)
        throw new LmlabError(
          `no bundled contest ${bundledId[1]} (bundled: ${BUNDLED_CONTESTS.map((c) => c.id).join(', ')})`,
        );
      add(bundledRunContest(contest, problemsRoot));
      continue;
    }
    if (!existsSync(item))
      throw new LmlabError(
        `--contests: ${item} is neither 'bundled', 'bundled:<id>', a contest pack nor a directory of packs`,
      );
    const packs = statSync(item).isDirectory() ? [...loadPackDir(item).values()] : [loadPack(item)];
    for (const pack of packs) {
      if (pack.problems.length === 0)
        throw new LmlabError(`contest ${pack.contest.id}: the pack lists no problems, so there is nothing to attempt`);
      add({
        pack,
        simulated: false,
        problems: pack.problems.map((p) => resolveProblem({ contestId: pack.contest.id, ...p }, sources)),
      });
    }
  }
  if (out.length === 0) throw new LmlabError('--contests names no contest');
  return out;
}
