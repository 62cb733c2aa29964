// Memory read bandwidth of this machine, measured rather than assumed: every worker thread
// memcmp's its share of two equal buffers far larger than the caches (Buffer.compare is glibc's
// vectorised memcmp, which must read every byte of both when they are equal). The figure is the
// bytes read by all workers over the slowest worker's time: the roof a decode step, which reads
// every weight once, cannot beat. Not here: writes or latency.
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { a, b, begin, length, rounds } = workerData;
const x = Buffer.from(a, begin, length);
const y = Buffer.from(b, begin, length);
if (Buffer.compare(x, y) !== 0) throw new Error('buffers differ');
parentPort.postMessage('ready');
parentPort.once('message', () => {
  const start = performance.now();
  for (let r = 0; r < rounds; r++) if (Buffer.compare(x, y) !== 0) throw new Error('buffers differ');
  parentPort.postMessage(performance.now() - start);
});`;

function once<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/** Read bandwidth in GB/s (1e9 bytes/s) of `threads` threads over 2 × `bytes` of memory. */
export async function readBandwidth(threads: number, bytes = 256 << 20, rounds = 4): Promise<number> {
  const a = new SharedArrayBuffer(bytes);
  const b = new SharedArrayBuffer(bytes);
  new Uint8Array(a).fill(0x5a);
  new Uint8Array(b).fill(0x5a);
  const share = Math.floor(bytes / threads / 4096) * 4096;
  const workers = Array.from(
    { length: threads },
    (_, i) => new Worker(WORKER, { eval: true, workerData: { a, b, begin: i * share, length: share, rounds } }),
  );
  try {
    await Promise.all(workers.map((w) => once<string>(w)));
    const done = workers.map((w) => once<number>(w));
    for (const w of workers) w.postMessage('go');
    const times = await Promise.all(done);
    return (2 * share * threads * rounds) / (Math.max(...times) / 1000) / 1e9;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
