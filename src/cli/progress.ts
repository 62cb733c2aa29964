// A live one-line progress display for long work: rewritten in place on a terminal, printed as
// plain lines at most every few seconds otherwise (logs, CI), so progress is visible either way.

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}

export class ProgressLine {
  private lastPrint = 0;
  private lastLength = 0;
  private readonly tty: boolean;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 5000,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(text: string, force = false): void {
    const now = Date.now();
    if (this.tty) {
      const pad = Math.max(0, this.lastLength - text.length);
      this.stream.write(`\r${text}${' '.repeat(pad)}`);
      this.lastLength = text.length;
    } else if (force || now - this.lastPrint >= this.intervalMs) {
      this.stream.write(text + '\n');
      this.lastPrint = now;
    }
  }

  /** Prints a permanent line (ending the live one first). */
  log(text: string): void {
    if (this.tty && this.lastLength > 0) {
      this.stream.write('\n');
      this.lastLength = 0;
    }
    this.stream.write(text + '\n');
  }

  done(): void {
    if (this.tty && this.lastLength > 0) this.stream.write('\n');
    this.lastLength = 0;
  }
}
