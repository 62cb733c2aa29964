// RESULTS.json: what a CodeElo run produced, the input of `lmlab codeelo rate`. The run harness
// writes it; this file owns the schema (zod + TypeScript type) and its documentation.
//
//   {
//     "format": "lmlab-codeelo-results", "version": 1,
//     "model": "qwen2.5-coder-7b",                      // optional
//     "run": { "seed": 1, "language": "cpp", "maxNewTokens": 4096, "judge": "local", "maxAttempts": 8 },
//                                                       // optional, free-form record of settings
//     "contests": {
//       "1971": {                                       // Codeforces contest id
//         "problems": {
//           "A": ["WA", "CE", "AC"],                    // verdicts of the attempts, in order
//           "B": ["AC", "AC", "WA", "AC"],              // judging past the first AC is allowed
//           "C": []                                     // not attempted / nothing produced
//         }
//       }
//     },
//     "status": "incomplete",                           // optional: the run did not finish
//     "incomplete": { "1971": ["B"] }                   // optional: problems not (fully) judged
//   }
//
// A contest with a problem listed under "incomplete" gets no rating (its score would count an
// unjudged problem as failed) unless the rating is asked for with allowIncomplete.
// Verdicts: AC (accepted), WA, TLE, MLE, RE, CE (compile error), NC (no code block in the
// answer), ILE (idleness limit), PE (protocol/presentation error), SKIP (not judged), OTHER.
// At most 8 attempts per problem. The contest score uses the attempts up to the first AC (all
// earlier ones count as failed, NC and CE included). pass@k treats the list as n independent
// samples (c = number of AC), so for unbiased pass@k the harness should judge all n samples
// rather than stop at the first AC. The attempt-order bootstrap completes a list that stopped at
// its first AC to the run's budget (run.maxAttempts, default 8) before permuting it (rate.ts).
// Every problem of the contest pack must be listed: an
// omitted problem is an error, not a silent zero (list it with [] when it was not attempted).
import { z } from 'zod';
import { parseWith } from '../cf/schemas.ts';
import { readJsonFile } from '../../io/json.ts';
import { LmlabError } from '../../util/errors.ts';

// What one attempt can record: the judge's verdicts plus NC (no code in the answer), ILE, SKIP
// (not judged) and OTHER (anything else a remote judge reports). The local judge's own list is
// src/codeelo/judge/verdict.ts.
export const ATTEMPT_VERDICTS = ['AC', 'WA', 'TLE', 'MLE', 'RE', 'CE', 'NC', 'ILE', 'PE', 'SKIP', 'OTHER'] as const;
export type AttemptVerdict = (typeof ATTEMPT_VERDICTS)[number];
export const MAX_ATTEMPTS = 8;

export const contestAttemptsSchema = z.strictObject({
  problems: z.record(z.string().min(1), z.array(z.enum(ATTEMPT_VERDICTS)).max(MAX_ATTEMPTS)),
});
export type ContestAttempts = z.infer<typeof contestAttemptsSchema>;

export const codeeloResultsSchema = z.strictObject({
  format: z.literal('lmlab-codeelo-results'),
  version: z.literal(1),
  model: z.string().optional(),
  run: z.record(z.string(), z.unknown()).optional(),
  contests: z.record(
    z.string().regex(/^[1-9]\d*$/, 'contest ids are decimal integers without leading zeros'),
    contestAttemptsSchema,
  ),
  status: z.enum(['complete', 'incomplete']).optional(),
  incomplete: z.record(z.string(), z.array(z.string().min(1))).optional(),
});
export type CodeeloResults = z.infer<typeof codeeloResultsSchema>;

export function parseResults(data: unknown, where = 'results'): CodeeloResults {
  const results = parseWith(codeeloResultsSchema, data, `${where}: not a valid CodeElo results file`);
  if (Object.keys(results.contests).length === 0) throw new LmlabError(`${where}: lists no contests`);
  return results;
}

export function loadResults(path: string): CodeeloResults {
  return parseResults(readJsonFile(path), path);
}
