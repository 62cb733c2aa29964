// `lmlab train CONFIG`: runs (or resumes) a training run described by a JSON config.
import type { Command } from 'commander';
import { describeConfig } from '../model/config.ts';
import { loadTrainConfig } from '../train/config.ts';
import { train } from '../train/trainer.ts';
import { LmlabError } from './errors.ts';
import { ProgressLine, formatDuration } from './progress.ts';
import { integerFlag } from './flags.ts';

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('train a LLaMA-style model on tokenized shards (see the README for the config format)')
    .argument('<config>', 'training config (JSON): model, stages, steps, optimizer, ...')
    .requiredOption('--run <dir>', 'run directory: checkpoints, metrics.jsonl, config.json')
    .option('--resume', "continue from the run directory's newest good checkpoint", false)
    .option('--overwrite', 'replace a run already in the run directory (without it, an existing run is refused)', false)
    .option('--set <key=value...>', 'override config fields, e.g. --set steps=200 optimizer.lr=1e-3', [])
    .option('--stop-after <step>', 'stop with a checkpoint after this step (as if interrupted)')
    .option(
      '--init-only',
      'write the initial weights as checkpoint step-000000 and stop (for training the same run elsewhere)',
      false,
    )
    .addHelpText(
      'after',
      '\nProgress goes to stderr; metrics are appended to <run>/metrics.jsonl. Ctrl-C writes a checkpoint first.',
    )
    .action(
      async (
        configPath: string,
        opts: {
          run: string;
          resume: boolean;
          overwrite: boolean;
          set: string[];
          stopAfter?: string;
          initOnly: boolean;
        },
      ) => {
        const config = loadTrainConfig(configPath, opts.set);
        const progress = new ProgressLine();
        progress.log(describeConfig(config.model));
        let stopAfterStep: number | undefined;
        if (opts.resume && opts.overwrite) throw new LmlabError('give --resume or --overwrite, not both');
        if (opts.stopAfter !== undefined) {
          stopAfterStep = integerFlag('--stop-after', opts.stopAfter, 1);
        }
        const result = await train(config, opts.run, {
          resume: opts.resume,
          overwrite: opts.overwrite,
          stopAfterStep,
          initOnly: opts.initOnly,
          onMessage: (line) => progress.log(line),
          onStep: (m) =>
            progress.update(
              `step ${m.step}/${config.steps}  loss ${m.loss.toFixed(4)}  lr ${m.lr.toExponential(2)}  ` +
                `${m.tokensPerSecond.toFixed(0)} tok/s  ${(m.flopsPerSecond / 1e9).toFixed(1)} GFLOPS  ETA ${formatDuration(m.eta)}`,
              m.step === config.steps,
            ),
          onEval: (m) =>
            progress.log(`step ${m.step}: held-out loss ${m.evalLoss.toFixed(4)} over ${m.evalTokens} tokens`),
        });
        progress.done();
        console.log(
          `${result.interrupted ? 'stopped' : 'finished'} at step ${result.finalStep}, loss ${result.lastLoss.toFixed(4)}; run in ${opts.run}`,
        );
      },
    );
}
