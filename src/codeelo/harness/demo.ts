// The offline demo's replay models, built from the bundled problems' own solutions:
//   strong — the C++ reference solution of every problem (one attempt each);
//   weak   — the deliberately wrong solutions in their listed order, then (for problems rated
//            1100 or less) the reference, and, for problems rated 1900 or more, an answer with
//            no code block first — so the demo shows failed attempts, "No code", compile
//            errors, TLE/MLE/RE and late accepts.
// It does not run anything; the CLI runs these through the ordinary harness.
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { loadProblem } from '../judge/problem.ts';
import type { ReplayFile } from './models.ts';
import { BUNDLED_CONTESTS } from './simulated.ts';

const FENCE_TAG: Record<string, string> = { '.cpp': 'cpp', '.py': 'python', '.c': 'c', '.js': 'javascript' };

function answerFor(file: string): string {
  const code = readFileSync(file, 'utf8');
  return `Let me think about the constraints first and then write the program.\n\n\`\`\`${FENCE_TAG[extname(file)] ?? ''}\n${code.trimEnd()}\n\`\`\`\n`;
}

export function demoReplays(problemsRoot: string): { strong: ReplayFile; weak: ReplayFile } {
  const strong: ReplayFile = { format: 'lmlab-replay', model: 'demo-strong (reference solutions)', answers: {} };
  const weak: ReplayFile = { format: 'lmlab-replay', model: 'demo-weak (wrong solutions)', answers: {} };
  for (const contest of BUNDLED_CONTESTS) {
    for (const slot of contest.problems) {
      const problem = loadProblem(join(problemsRoot, slot.problem));
      const key = `${contest.id}${slot.index}`;
      const reference = problem.solutions.find((s) => s.expected === 'AC' && s.file.endsWith('.cpp'))!;
      strong.answers[key] = [answerFor(reference.file)];
      const wrong = problem.solutions.filter((s) => s.expected !== 'AC').map((s) => answerFor(s.file));
      const answers = slot.rating >= 1900 ? ['I am not sure how to solve this one; a brute force would be too slow.', ...wrong] : wrong;
      if (slot.rating <= 1100) answers.push(answerFor(reference.file));
      weak.answers[key] = answers.slice(0, 8);
    }
  }
  return { strong, weak };
}
