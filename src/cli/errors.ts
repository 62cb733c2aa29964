// One-line errors for the command line. An LmlabError (src/util/errors.ts) is a problem the user
// can fix: it prints as `lmlab: <message>` with its exit code. Anything else is a bug in lmlab
// and prints as one (`lmlab: internal error: ...`). Never a stack trace unless LMLAB_DEBUG is set.

import { LmlabError } from '../util/errors.ts';

export { LmlabError };

export function reportAndExit(err: unknown): never {
  const debug = Boolean(process.env.LMLAB_DEBUG);
  if (err instanceof LmlabError) {
    process.stderr.write(`lmlab: ${err.message.split('\n')[0]}\n`);
    if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exit(err.exitCode > 0 ? err.exitCode : 1);
  }
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  process.stderr.write(`lmlab: internal error: ${message} (a bug in lmlab; LMLAB_DEBUG=1 prints the stack)\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}
