// The error type every layer throws for a problem a person can fix (bad input, missing file,
// wrong flag): its message is one line meant for that person. The CLI prints it as
// `lmlab: <message>` with a non-zero exit code; nothing below the CLI prints or exits.

export class LmlabError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'LmlabError';
  }
}

/**
 * Exit codes of the command line (documented in the README): 0 success, 1 an error (an
 * LmlabError or a usage error), EXIT_INCOMPLETE a run that stopped short of its work (a CodeElo
 * run with problems not generated or judged; re-running the same command finishes it), 128 + n
 * ended by signal n (130 Ctrl-C, 143 SIGTERM).
 */
export const EXIT_INCOMPLETE = 75;
