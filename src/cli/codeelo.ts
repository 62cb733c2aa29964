// `lmlab codeelo ...`: the CodeElo command group. This file creates the group and its rating
// subcommands (cf-deltas, rate, pack, fetch); registerCodeeloCommands returns the group so other
// files can add their own subcommands (run, report, leaderboard, ...) to it.
// It holds option parsing and printing only; the maths is in src/codeelo/rating/.
import { type Command, Option } from 'commander';
import { LmlabError } from './errors.ts';
import { readJsonFile } from '../io/json.ts';
import { importTestDataset } from '../codeelo/harness/dataset-tests.ts';
import { readRatingChanges, readStandings } from '../codeelo/cf/import.ts';
import { CodeforcesClient, DEFAULT_BASE_URL } from '../codeelo/cf/client.ts';
import { codeforcesUpdate } from '../codeelo/rating/codeforces.ts';
import {
  contestIdFromFileName,
  DIVISIONS,
  loadPackDir,
  packFromApi,
  packFromRoundsArray,
  savePack,
  type ContestPack,
  type Division,
} from '../codeelo/rating/pack.ts';
import {
  DEFAULT_MIN_PARTICIPANTS,
  DEFAULT_NEWCOMER_RATING,
  FIRST_CONTEST_DISPLAY_BONUS,
  modeRatings,
  newcomerRuleApplies,
  RATING_MODES,
  type RatingMode,
} from '../codeelo/rating/contest-rating.ts';
import { RatingDistribution } from '../codeelo/rating/aggregate.ts';
import { loadResults } from '../codeelo/rating/results.ts';
import { formatReport, rateResults } from '../codeelo/rating/rate.ts';
import type { SeedMethod } from '../codeelo/rating/seeds.ts';
import { registerCodeeloRunCommands } from './codeelo-run.ts';
import { numberArg } from './flags.ts';

const integer = (name: string, min = -Infinity) => numberArg(name, { integer: true, min });

/** `... | head` closes stdout early: stop quietly instead of dying on EPIPE. */
function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

interface FieldSourceOptions {
  standings?: string;
  ratingChanges?: string;
  round?: string;
  id?: number;
  name?: string;
  division?: Division;
  scoring?: 'points' | 'icpc';
}

/** A pack from either API files (--standings + --rating-changes) or a rounds array (--round). */
function packFromOptions(opts: FieldSourceOptions): ContestPack {
  if (opts.round) {
    if (opts.standings || opts.ratingChanges)
      throw new LmlabError('give either --round or --standings with --rating-changes, not both');
    const id = opts.id ?? contestIdFromFileName(opts.round);
    if (id === undefined) throw new LmlabError(`cannot tell the contest id from ${opts.round}: pass --id`);
    return packFromRoundsArray(readJsonFile(opts.round), {
      id,
      where: opts.round,
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.division ? { division: opts.division } : {}),
      ...(opts.scoring ? { scoring: opts.scoring } : {}),
    });
  }
  if (!opts.standings || !opts.ratingChanges) {
    throw new LmlabError('give --standings and --rating-changes (Codeforces API JSON files), or --round');
  }
  const { pack, unratedRows } = packFromApi(readStandings(opts.standings), readRatingChanges(opts.ratingChanges));
  if (unratedRows > 0)
    process.stderr.write(
      `note: ${unratedRows} standings rows have no rating change and are not part of the rated field\n`,
    );
  return pack;
}

function addFieldSourceOptions(command: Command): Command {
  return command
    .option('--standings <file>', 'contest.standings JSON (API response or its result)')
    .option('--rating-changes <file>', 'contest.ratingChanges JSON (API response or its result)')
    .option('--round <file>', 'rounds array [[handle, points, penalty, oldRating, delta], ...] instead')
    .option('--id <n>', 'contest id for --round (default: from the file name)', integer('--id', 1))
    .option('--name <text>', 'contest name for --round')
    .addOption(new Option('--division <div>', 'division for --round').choices([...DIVISIONS]))
    .addOption(
      new Option('--scoring <type>', 'scoring for --round (default: icpc if any penalty)').choices(['points', 'icpc']),
    );
}

export function registerCodeeloCommands(program: Command): Command {
  const codeelo = program
    .command('codeelo')
    .description('CodeElo: rate code LLMs against human Codeforces contestants');

  addFieldSourceOptions(
    codeelo
      .command('cf-deltas')
      .description("every participant's Codeforces rating change and performance (the official rating update)"),
  )
    .option('--json', 'one JSON line per participant: {"handle","oldRating","delta","performance"}')
    .option('--check', "compare with the file's real new ratings; exit non-zero on any mismatch")
    .option(
      '--newcomer-rating <n>',
      'effective rating of displayed-0 newcomers (API data after mid-2020)',
      integer('--newcomer-rating'),
      DEFAULT_NEWCOMER_RATING,
    )
    .addOption(new Option('--seed-method <m>', 'how seeds are computed').choices(['exact', 'fft']).default('exact'))
    .action(
      (
        opts: FieldSourceOptions & { json?: boolean; check?: boolean; newcomerRating: number; seedMethod: SeedMethod },
      ) => {
        exitQuietlyOnClosedPipe();
        const pack = packFromOptions(opts);
        const ratings = modeRatings(pack, { mode: 'codeforces', newcomerRating: opts.newcomerRating });
        const started = performance.now();
        const update = codeforcesUpdate(
          { points: pack.field.points, penalty: pack.field.penalty, ratings },
          { method: opts.seedMethod, performance: true },
        );
        const ms = performance.now() - started;
        const { field } = pack;
        const handle = (i: number): string => field.handles?.[i] ?? `#${i + 1}`;
        const out: string[] = [];
        for (let i = 0; i < ratings.length; i++) {
          if (opts.json) {
            out.push(
              JSON.stringify({
                handle: handle(i),
                oldRating: field.oldRating[i],
                delta: update.deltas[i],
                performance: update.performances![i],
              }),
            );
          } else {
            out.push(
              `${String(update.places[i]).padStart(6)}  ${handle(i).padEnd(24)} ${String(field.oldRating[i]).padStart(5)} ${(update.deltas[i] > 0 ? '+' : '') + update.deltas[i]}`.padEnd(
                50,
              ) + `perf ${update.performances![i]}`,
            );
          }
        }
        if (!opts.json) {
          out.unshift(
            `contest ${pack.contest.id}: ${ratings.length} rated participants, corrections ${update.inc} and ${update.inc2}, computed in ${ms.toFixed(1)} ms`,
          );
          out.unshift(`${'place'.padStart(6)}  ${'handle'.padEnd(24)} ${'old'.padStart(5)} delta`);
        }
        process.stdout.write(out.join('\n') + '\n');
        if (opts.check) {
          if (!field.newRating)
            throw new LmlabError('--check needs the real new ratings (contest.ratingChanges or a rounds array)');
          const wrong: string[] = [];
          const newcomers = newcomerRuleApplies(pack, {});
          for (let i = 0; i < ratings.length; i++) {
            // A first-timer's displayed change also carries the +500 display bonus.
            const bonus = newcomers && field.oldRating[i] === 0 ? FIRST_CONTEST_DISPLAY_BONUS : 0;
            const real = field.newRating[i] - field.oldRating[i] - bonus;
            if (real !== update.deltas[i]) wrong.push(`${handle(i)} (predicted ${update.deltas[i]}, real ${real})`);
          }
          if (wrong.length) {
            const hint = newcomers
              ? ' (displayed ratings of users in their first 6 contests understate their effective rating, which the API does not give)'
              : '';
            throw new LmlabError(
              `${wrong.length} of ${ratings.length} deltas differ from the real ones: ${wrong.slice(0, 5).join(', ')}${wrong.length > 5 ? ', ...' : ''}${hint}`,
            );
          }
          process.stderr.write(`check: all ${ratings.length} deltas match the real rating changes\n`);
        }
      },
    );

  codeelo
    .command('rate')
    .description('rate a model from RESULTS.json against the human field of each contest')
    .argument('<results>', 'RESULTS.json written by the run harness (format lmlab-codeelo-results)')
    .requiredOption('--contests <dir>', 'directory of contest packs (*.json, *.json.gz)')
    .addOption(new Option('--mode <mode>', 'rating mode').choices([...RATING_MODES]).default('corrected'))
    .option('--distribution <file>', 'human ratings for the percentile: rating,count CSV or user.ratedList JSON')
    .option('--bootstrap <n>', 'bootstrap resamples per interval (0 = none)', integer('--bootstrap', 0), 1000)
    .option('--seed <n>', 'seed of the bootstrap resampling', integer('--seed'), 1)
    .option(
      '--min-participants <n>',
      'a contest counts only with more rated participants than this',
      integer('--min-participants', 0),
      DEFAULT_MIN_PARTICIPANTS,
    )
    .option(
      '--newcomer-rating <n>',
      'effective rating of displayed-0 newcomers (corrected, codeforces)',
      integer('--newcomer-rating'),
      DEFAULT_NEWCOMER_RATING,
    )
    .addOption(new Option('--seed-method <m>', 'how seeds are computed').choices(['exact', 'fft']).default('exact'))
    .option('--json', 'print the full report as JSON')
    .option(
      '--allow-incomplete',
      'rate contests listed as incomplete in RESULTS.json anyway (unjudged problems count as failed)',
    )
    .action(
      (
        resultsPath: string,
        opts: {
          contests: string;
          mode: RatingMode;
          distribution?: string;
          bootstrap: number;
          seed: number;
          minParticipants: number;
          newcomerRating: number;
          seedMethod: SeedMethod;
          json?: boolean;
          allowIncomplete?: boolean;
        },
      ) => {
        const results = loadResults(resultsPath);
        const packs = loadPackDir(opts.contests);
        const report = rateResults(results, packs, {
          mode: opts.mode,
          minParticipants: opts.minParticipants,
          newcomerRating: opts.newcomerRating,
          seedMethod: opts.seedMethod,
          bootstrap: opts.bootstrap,
          seed: opts.seed,
          allowIncomplete: Boolean(opts.allowIncomplete),
          ...(opts.distribution ? { distribution: RatingDistribution.fromFile(opts.distribution) } : {}),
        });
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else console.log(formatReport(report));
      },
    );

  addFieldSourceOptions(
    codeelo.command('pack').description('build a contest pack from API JSON files or a rounds array'),
  )
    .requiredOption('--out <file>', 'where to write the pack (.json or .json.gz)')
    .option('--minimal', 'leave out handles and new ratings (only what rating a model needs)')
    .action((opts: FieldSourceOptions & { out: string; minimal?: boolean }) => {
      const pack = packFromOptions(opts);
      if (opts.minimal) {
        delete pack.field.handles;
        delete pack.field.newRating;
      }
      savePack(pack, opts.out);
      console.log(
        `wrote ${opts.out}: contest ${pack.contest.id} (${pack.contest.division}), ${pack.field.oldRating.length} rated participants, ${pack.problems.length} problems`,
      );
    });

  codeelo
    .command('import-tests')
    .description(
      'import problems with their official tests and checkers from a Codeforces test dataset (Parquet or JSON lines) as packages for --packages',
    )
    .argument('<dataset>', 'dataset file (.parquet, or .jsonl with one problem per line)')
    .requiredOption('--out <dir>', 'packages directory to write (one folder per problem id)')
    .option('--contest <ids>', 'only these contests (comma-separated ids)')
    .action(async (dataset: string, opts: { out: string; contest?: string }) => {
      const only = opts.contest ? new Set(opts.contest.split(',').map((c) => Number(c.trim()))) : undefined;
      const summary = await importTestDataset(dataset, opts.out, only);
      for (const p of summary.imported)
        console.log(`${p.id}: ${p.tests} tests, ${p.checker === 'custom' ? 'testlib checker' : 'token checker'}`);
      for (const s of summary.skipped) console.log(`${s.id}: skipped (${s.reason})`);
      console.log(`imported ${summary.imported.length} problems into ${opts.out}, skipped ${summary.skipped.length}`);
      if (summary.imported.length === 0) throw new LmlabError(`no problem with tests imported from ${dataset}`);
    });

  codeelo
    .command('fetch')
    .description('fetch a contest from the Codeforces API (standings + rating changes) into a pack')
    .argument('<contestId>', 'Codeforces contest id', integer('contestId', 1))
    .requiredOption('--out <file>', 'where to write the pack (.json or .json.gz)')
    .option('--cache <dir>', 'cache API responses here')
    .option('--base-url <url>', 'API base URL', DEFAULT_BASE_URL)
    .option('--min-interval <ms>', 'minimum time between requests', integer('--min-interval', 0), 2000)
    .action(async (contestId: number, opts: { out: string; cache?: string; baseUrl: string; minInterval: number }) => {
      const client = new CodeforcesClient({
        baseUrl: opts.baseUrl,
        minIntervalMs: opts.minInterval,
        ...(opts.cache ? { cacheDir: opts.cache } : {}),
      });
      const standings = await client.contestStandings(contestId);
      const changes = await client.contestRatingChanges(contestId);
      const { pack, unratedRows } = packFromApi(standings, changes);
      savePack(pack, opts.out);
      console.log(
        `wrote ${opts.out}: contest ${contestId} (${pack.contest.division}), ${pack.field.oldRating.length} rated participants (${unratedRows} unrated rows left out), ${client.requests} requests`,
      );
    });

  registerCodeeloRunCommands(codeelo);
  return codeelo;
}
