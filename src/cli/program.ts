// The `lmlab` commander program, built lazily: only the module of the command being run is
// loaded (the others can pull in the engine, SQLite or the API clients). Every other command
// is a stub carrying just its name, usage term and description, so `lmlab --help`, `--version`
// and "unknown command" suggestions need no command module at all. The stub table must match
// the modules' own definitions; a test compares the help of the lazy and the full program.
import { Command, type Help } from 'commander';
import { readFileSync } from 'node:fs';

type Register = (program: Command) => unknown;

interface Area {
  /** top-level commands the module registers: [name, usage term in the help, description] */
  commands: Array<[string, string, string]>;
  load: () => Promise<Register>;
}

export const AREAS: Area[] = [
  {
    commands: [['engine', 'engine [options]', 'print the native engine configuration (threads, SIMD level)']],
    load: async () => (await import('./engine.ts')).registerEngineCommands,
  },
  {
    commands: [['data', 'data', 'prepare training data']],
    load: async () => (await import('./data.ts')).registerDataCommands,
  },
  {
    commands: [
      [
        'train',
        'train [options] <config>',
        'train a LLaMA-style model on tokenized shards (see the README for the config format)',
      ],
    ],
    load: async () => (await import('./train.ts')).registerTrainCommands,
  },
  {
    commands: [
      [
        'generate',
        'generate [options] <model>',
        'generate text from a prompt with a model directory (config.json, model.safetensors, tokenizer.json); --speculative: lossless AdaSkip drafting',
      ],
      [
        'score',
        'score [options] <model>',
        'per-token log-probabilities of texts under a model (perplexity), with an optional unscored prefix',
      ],
    ],
    load: async () => (await import('./generate.ts')).registerGenerateCommands,
  },
  {
    commands: [['codeelo', 'codeelo', 'CodeElo: rate code LLMs against human Codeforces contestants']],
    load: async () => (await import('./codeelo.ts')).registerCodeeloCommands,
  },
  {
    commands: [
      [
        'judge',
        'judge [options] [problem] [solution-file]',
        'judge a solution in the sandbox (exit 0 accepted, 1 rejected, 2 usage, 3 internal error), list --languages, or --selftest',
      ],
    ],
    load: async () => (await import('./judge.ts')).registerJudgeCommands,
  },
  {
    commands: [
      [
        'tokenizer',
        'tokenizer',
        'train byte-level BPE tokenizers; encode, decode and inspect tokenizer.json, GGUF and tiktoken files',
      ],
    ],
    load: async () => (await import('./tokenizer.ts')).registerTokenizerCommands,
  },
  {
    commands: [
      [
        'weights',
        'weights',
        'inspect, convert and quantize model weight files (safetensors, Hugging Face folders, GGUF)',
      ],
    ],
    load: async () => (await import('./weights.ts')).registerWeightsCommands,
  },
  {
    commands: [
      [
        'adaskip',
        'adaskip',
        'AdaSkip: adaptive sublayer skipping (calibrate a profile, inspect it, benchmark skipping)',
      ],
    ],
    load: async () => (await import('./adaskip.ts')).registerAdaskipCommands,
  },
  {
    commands: [
      [
        'meco',
        'meco',
        'MeCo: metadata conditioning then cooldown (corpus, training config, scoring, MDS export, experiment)',
      ],
    ],
    load: async () => (await import('./meco.ts')).registerMecoCommands,
  },
  {
    commands: [
      [
        'serve',
        'serve [options] <model>',
        'serve a model over the OpenAI HTTP API (/v1/completions, /v1/chat/completions, /v1/models, /health)',
      ],
    ],
    load: async () => (await import('./serve.ts')).registerServeCommands,
  },
];

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The command named on the command line (`lmlab help X` names X), or null. */
export function requestedCommand(args: string[]): string | null {
  const words = args.filter((a) => !a.startsWith('-'));
  if (words[0] === 'help') return words[1] ?? null;
  return words[0] ?? null;
}

/**
 * The program for `args` (the arguments after the script): the requested command's module is
 * loaded and registered in full, every other command is a stub. `full` loads every module.
 */
export async function buildProgram(args: string[], full = false): Promise<Command> {
  const program = new Command('lmlab')
    .description(
      'lmlab: CodeElo (rate code LLMs against human contestants), MeCo (metadata-conditioned ' +
        'pre-training) and AdaSkip (adaptive sublayer skipping), on a native CPU engine.',
    )
    .version(pkg.version, '-V, --version', 'print the lmlab version')
    .showSuggestionAfterError(true)
    .exitOverride();
  const wanted = requestedCommand(args);
  const stubTerms = new Map<string, string>();
  for (const area of AREAS) {
    if (full || area.commands.some(([name]) => name === wanted)) {
      (await area.load())(program);
      continue;
    }
    for (const [name, term, description] of area.commands) {
      program.command(name).description(description);
      stubTerms.set(name, term);
    }
  }
  if (stubTerms.size > 0) {
    program.configureHelp({
      subcommandTerm: (cmd: Command) => stubTerms.get(cmd.name()) ?? defaultTerm(cmd),
    });
  }
  return program;
}

const defaultHelp: Help = new Command().createHelp();
const defaultTerm = (cmd: Command): string => defaultHelp.subcommandTerm(cmd);
