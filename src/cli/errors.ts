// One-line errors for the command line. Library code throws LmlabError (src/util/errors.ts) or any
// Error with a message meant for a person; the CLI prints `lmlab: <message>` and exits non-zero, never a
// stack trace unless LMLAB_DEBUG is set.

export { LmlabError } from '../util/errors.ts';

export function reportAndExit(err: unknown): never {
  const debug = Boolean(process.env.LMLAB_DEBUG);
  if (err instanceof Error) {
    const code = (err as { exitCode?: unknown }).exitCode;
    process.stderr.write(`lmlab: ${err.message.split('\n')[0]}\n`);
    if (debug && err.stack) process.stderr.write(err.stack + '\n');
    process.exit(typeof code === 'number' && code > 0 ? code : 1);
  }
  process.stderr.write(`lmlab: ${String(err)}\n`);
  process.exit(1);
}
