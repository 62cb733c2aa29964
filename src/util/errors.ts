// The error type every layer throws for a problem a person can fix (bad input, missing file,
// wrong flag): its message is one line meant for that person. The CLI prints it as
// `lmlab: <message>` with a non-zero exit code; nothing below the CLI prints or exits.

export class LmlabError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'LmlabError';
  }
}
