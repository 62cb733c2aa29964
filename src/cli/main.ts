// Entry point of the `lmlab` command: builds the commander program from each area's
// registration function and turns any thrown error into one line on stderr.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { reportAndExit } from './errors.ts';
import { checkArgvUtf8 } from './argv.ts';
import { installCleanup, sweepStaleJudgeDirs } from '../util/stale.ts';
import { registerEngineCommands } from './engine.ts';
import { registerTrainCommands } from './train.ts';
import { registerGenerateCommands } from './generate.ts';
import { registerDataCommands } from './data.ts';
import { registerCodeeloCommands } from './codeelo.ts';
import { registerJudgeCommands } from './judge.ts';
import { registerTokenizerCommands } from './tokenizer.ts';
import { registerWeightsCommands } from './weights.ts';
import { registerAdaskipCommands } from './adaskip.ts';
import { registerMecoCommands } from './meco.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function buildProgram(): Command {
  const program = new Command('lmlab')
    .description(
      'lmlab: CodeElo (rate code LLMs against human contestants), MeCo (metadata-conditioned ' +
        'pre-training) and AdaSkip (adaptive sublayer skipping), on a native CPU engine.',
    )
    .version(pkg.version, '-V, --version', 'print the lmlab version')
    .showSuggestionAfterError(true)
    .exitOverride();
  registerEngineCommands(program);
  registerDataCommands(program);
  registerTrainCommands(program);
  registerGenerateCommands(program);
  registerCodeeloCommands(program);
  registerJudgeCommands(program);
  registerTokenizerCommands(program);
  registerWeightsCommands(program);
  registerAdaskipCommands(program);
  registerMecoCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  installCleanup();
  sweepStaleJudgeDirs(); // sandbox roots and judge scratch left by killed runs
  try {
    checkArgvUtf8();
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
