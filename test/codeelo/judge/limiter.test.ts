// The judge's slot semaphore: never more holders than slots, FIFO, weights capped at capacity.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeSlots, Semaphore } from '../../../src/codeelo/judge/limiter.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('at most `capacity` tasks hold a slot at once', async () => {
  const slots = new Semaphore(2);
  let running = 0;
  let peak = 0;
  const task = async (): Promise<void> => {
    running++;
    peak = Math.max(peak, running);
    await tick();
    await tick();
    running--;
  };
  await Promise.all(Array.from({ length: 9 }, () => slots.with(1, task)));
  assert.equal(peak, 2);
  assert.equal(slots.available, 2);
});

test('a weight-2 task (interactive pair) waits for both slots and blocks later arrivals', async () => {
  const slots = new Semaphore(2);
  const order: string[] = [];
  let releaseFirst!: () => void;
  const first = slots.with(
    1,
    () =>
      new Promise<void>((resolve) => {
        order.push('a');
        releaseFirst = resolve;
      }),
  );
  const pair = slots.with(2, async () => {
    order.push('pair');
  });
  const late = slots.with(1, async () => {
    order.push('late');
  });
  await tick();
  assert.deepEqual(order, ['a'], 'the pair and the later task wait: FIFO, no overtaking');
  releaseFirst();
  await Promise.all([first, pair, late]);
  assert.deepEqual(order, ['a', 'pair', 'late']);
});

test('weights above capacity are capped, errors release the slot', async () => {
  const slots = new Semaphore(1);
  await slots.with(5, async () => assert.equal(slots.available, 0));
  await assert.rejects(
    slots.with(1, async () => {
      throw new Error('boom');
    }),
    /boom/,
  );
  assert.equal(slots.available, 1);
  assert.throws(() => new Semaphore(0), /positive integer/);
});

test('the shared judge bound defaults to one slot per core', () => {
  assert.ok(judgeSlots.capacity >= 1);
});
