// Concurrency bound for timed runs: at most one sandboxed run per core at a time, so that one
// run's CPU time is not inflated by another. Shared by everything in this process that judges
// (the CLI, the selftest and the evaluation harness), so concurrent judgings stay within it.
// Deliberately not a job queue: callers keep their own ordering; waiters are served FIFO.
import { availableParallelism } from 'node:os';

export class Semaphore {
  private inUse = 0;
  private readonly waiters: { weight: number; wake: () => void }[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new Error(`semaphore capacity must be a positive integer, got ${capacity}`);
  }

  get available(): number {
    return this.capacity - this.inUse;
  }

  /** Runs `task` while holding `weight` slots (capped at the capacity). */
  async with<T>(weight: number, task: () => Promise<T>): Promise<T> {
    const need = Math.min(Math.max(1, Math.floor(weight)), this.capacity);
    await this.acquire(need);
    try {
      return await task();
    } finally {
      this.release(need);
    }
  }

  private acquire(weight: number): Promise<void> {
    if (this.waiters.length === 0 && this.inUse + weight <= this.capacity) {
      this.inUse += weight;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ weight, wake: resolve }));
  }

  private release(weight: number): void {
    this.inUse -= weight;
    // FIFO: a heavy waiter at the head blocks lighter ones behind it, so it cannot starve.
    while (this.waiters.length > 0 && this.inUse + this.waiters[0].weight <= this.capacity) {
      const next = this.waiters.shift()!;
      this.inUse += next.weight;
      next.wake();
    }
  }
}

function defaultSlots(): number {
  const fromEnv = Number(process.env.LMLAB_JUDGE_SLOTS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, availableParallelism());
}

/** The process-wide bound on timed runs (one per core unless LMLAB_JUDGE_SLOTS says otherwise). */
export const judgeSlots = new Semaphore(defaultSlots());
