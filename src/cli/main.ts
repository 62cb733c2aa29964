// Entry point of the `lmlab` command: builds the program (loading only the command being run)
// and turns any thrown error into one line on stderr.
import { CommanderError } from 'commander';
import { reportAndExit } from './errors.ts';
import { checkArgvUtf8 } from './argv.ts';
import { installCleanup, sweepStaleJudgeDirs } from '../util/stale.ts';
import { buildProgram } from './program.ts';

async function main(argv: string[]): Promise<void> {
  installCleanup();
  sweepStaleJudgeDirs(); // sandbox roots and judge scratch left by killed runs
  try {
    checkArgvUtf8();
    const program = await buildProgram(argv.slice(2));
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (usage errors, --help, --version).
      process.exit(err.exitCode);
    }
    reportAndExit(err);
  }
}

await main(process.argv);
