// Admission of generation requests: at most `maxActive` decode at once (interleaved a token at a
// time by the server), at most `maxQueued` wait in arrival order, and any beyond are refused at
// once (the server answers 429 with Retry-After). A waiting request whose client goes away
// leaves the queue. Not here: the decoding itself.

export class QueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`the server is busy: ${queued} requests are already waiting`);
  }
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class Admission {
  active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly maxActive: number,
    readonly maxQueued: number,
  ) {
    if (!Number.isInteger(maxActive) || maxActive < 1) throw new Error(`maxActive must be ≥ 1, got ${maxActive}`);
    if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new Error(`maxQueued must be ≥ 0, got ${maxQueued}`);
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when the request may run; QueueFullError when full; the signal's reason if aborted while waiting. */
  acquire(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.active < this.maxActive && this.waiting.length === 0) {
      this.active++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxQueued) return Promise.reject(new QueueFullError(this.waiting.length));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Frees a running slot; the first waiter (if any) takes it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next.resolve();
    else this.active--;
  }
}
