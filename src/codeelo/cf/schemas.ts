// zod schemas (and their TypeScript types) for the parts of the Codeforces API that CodeElo
// reads: contest.standings, contest.ratingChanges, user.ratedList, problemset.problems, and the
// {status, result | comment} envelope around each. Objects are loose: the API adds fields over
// time and we only require what we use. Also a one-line formatter for validation failures.
// It does no I/O; see client.ts (network + cache) and import.ts (files).
import { z } from 'zod';
import { LmlabError } from '../../util/errors.ts';

export const cfContestSchema = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  type: z.enum(['CF', 'IOI', 'ICPC']),
  phase: z.string(),
  durationSeconds: z.number().int().nonnegative(),
  startTimeSeconds: z.number().int().optional(),
});
export type CfContest = z.infer<typeof cfContestSchema>;

export const cfProblemSchema = z.looseObject({
  contestId: z.number().int().optional(),
  index: z.string().min(1),
  name: z.string(),
  type: z.string().optional(),
  points: z.number().nonnegative().optional(),
  rating: z.number().int().optional(),
  tags: z.array(z.string()).default([]),
});
export type CfProblem = z.infer<typeof cfProblemSchema>;

export const cfPartySchema = z.looseObject({
  members: z.array(z.looseObject({ handle: z.string() })),
  participantType: z.string(),
  teamName: z.string().optional(),
});

export const cfProblemResultSchema = z.looseObject({
  points: z.number(),
  rejectedAttemptCount: z.number().int().nonnegative().optional(),
  bestSubmissionTimeSeconds: z.number().int().optional(),
});

export const cfRanklistRowSchema = z.looseObject({
  party: cfPartySchema,
  rank: z.number().int(),
  points: z.number(),
  penalty: z.number().int(),
  problemResults: z.array(cfProblemResultSchema).default([]),
});
export type CfRanklistRow = z.infer<typeof cfRanklistRowSchema>;

export const cfStandingsSchema = z.looseObject({
  contest: cfContestSchema,
  problems: z.array(cfProblemSchema),
  rows: z.array(cfRanklistRowSchema),
});
export type CfStandings = z.infer<typeof cfStandingsSchema>;

export const cfRatingChangeSchema = z.looseObject({
  contestId: z.number().int(),
  handle: z.string(),
  rank: z.number().int(),
  oldRating: z.number().int(),
  newRating: z.number().int(),
});
export type CfRatingChange = z.infer<typeof cfRatingChangeSchema>;
export const cfRatingChangesSchema = z.array(cfRatingChangeSchema);

export const cfRatedUserSchema = z.looseObject({ handle: z.string(), rating: z.number().int() });
export const cfRatedListSchema = z.array(cfRatedUserSchema);
export type CfRatedUser = z.infer<typeof cfRatedUserSchema>;

export const cfProblemsetSchema = z.looseObject({
  problems: z.array(cfProblemSchema),
  problemStatistics: z.array(z.looseObject({ index: z.string(), solvedCount: z.number().int() })).default([]),
});
export type CfProblemset = z.infer<typeof cfProblemsetSchema>;

/** The envelope every API call returns. */
export const cfEnvelopeSchema = z.union([
  z.looseObject({ status: z.literal('OK'), result: z.unknown() }),
  z.looseObject({ status: z.literal('FAILED'), comment: z.string().default('(no comment)') }),
]);

/** "<what>: <first problem> at <path>" — one line a person can act on. */
export function describeZodError(what: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${what}: invalid`;
  const path = issue.path.length
    ? issue.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '')
    : '(top level)';
  // Record-key failures wrap the real reason (e.g. a regex message) one level down.
  const inner = (issue as { issues?: { message: string }[] }).issues?.[0]?.message;
  const message = issue.code === 'invalid_key' && inner ? `${issue.message}: ${inner}` : issue.message;
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problems)` : '';
  return `${what}: ${message} at ${path}${more}`;
}

/** Validates `data` or throws one readable line. */
export function parseWith<T>(
  schema: z.ZodType<T>,
  data: unknown,
  what: string,
  As: new (message: string) => LmlabError = LmlabError,
): T {
  const result = schema.safeParse(data);
  if (!result.success) throw new As(describeZodError(what, result.error));
  return result.data;
}

/** Unwraps an API envelope: the result, or an error carrying the API's FAILED comment. */
export function unwrapEnvelope(data: unknown, what: string): unknown {
  const envelope = parseWith(cfEnvelopeSchema, data, `${what}: not a Codeforces API response`);
  if (envelope.status === 'FAILED')
    throw new CfApiFailedError(`${what}: API returned FAILED: ${envelope.comment}`, envelope.comment);
  return envelope.result;
}

export class CfApiFailedError extends LmlabError {
  constructor(
    message: string,
    readonly comment: string,
  ) {
    super(message);
    this.name = 'CfApiFailedError';
  }
}
