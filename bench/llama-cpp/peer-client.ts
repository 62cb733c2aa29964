// Talks to bench/llama-cpp/peer.mjs (llama.cpp through node-llama-cpp) in a child process: one
// JSON request per line on its stdin, one reply per line on its stdout. Knows whether the
// optional package is installed and how to say so. Not here: what to measure.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const folder = fileURLToPath(new URL('.', import.meta.url));

export const PEER_SETUP_HINT =
  'llama.cpp peer not installed: run `npm run bench:infer:setup` (installs node-llama-cpp@3.21.1 into bench/llama-cpp/ only)';

export function peerInstalled(): boolean {
  return existsSync(`${folder}node_modules/node-llama-cpp/package.json`);
}

export interface PeerDecode {
  /** prompt evaluation up to the first generated token, ms */
  ms: number;
  /** time of the greedy steps after the first generated token, ms */
  decodeMs: number;
  tokens: number[];
}

export class LlamaCppPeer {
  private readonly replies: AsyncIterator<string>;

  /** threads llama.cpp reports using */
  threads = 0;

  /** the peer process's id (to read its CPU time while the other engine is timed) */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** kv: the KV cache type of keys and values ('f32' or 'f16', llama.cpp's default) */
  static async start(
    gguf: string,
    contextSize: number,
    threads: number,
    timeoutMs = 120_000,
    kv: 'f32' | 'f16' = 'f32',
  ): Promise<LlamaCppPeer> {
    if (!peerInstalled()) throw new Error(PEER_SETUP_HINT);
    const args = [`${folder}peer.mjs`, gguf, String(contextSize), String(threads), kv.toUpperCase()];
    const child = spawn(process.execPath, args, {
      cwd: folder,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-2000);
    });
    const peer = new LlamaCppPeer(child);
    const hello = await peer.next(timeoutMs).catch((err: Error) => {
      child.kill();
      throw new Error(
        `llama.cpp peer did not start: ${err.message}${stderr ? ` (${stderr.trim().split('\n').pop()})` : ''}`,
      );
    });
    peer.threads = Number(hello.threads ?? threads);
    return peer;
  }

  private async next(timeoutMs: number): Promise<Record<string, unknown>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      const line = await Promise.race([this.replies.next(), timeout]);
      if (line.done) throw new Error('the peer process exited');
      const reply = JSON.parse(line.value) as Record<string, unknown>;
      if (typeof reply.error === 'string') throw new Error(`llama.cpp: ${reply.error}`);
      return reply;
    } finally {
      clearTimeout(timer);
    }
  }

  private async request(body: object, timeoutMs: number): Promise<Record<string, unknown>> {
    this.child.stdin.write(JSON.stringify(body) + '\n');
    return this.next(timeoutMs);
  }

  /** Wall time of evaluating a prompt from an empty context, ms. */
  async prefill(tokens: Int32Array, timeoutMs = 600_000): Promise<number> {
    return (await this.request({ op: 'prefill', tokens: Array.from(tokens) }, timeoutMs)).ms as number;
  }

  /** Prompt, then n greedy tokens. */
  async decode(tokens: Int32Array, n: number, timeoutMs = 600_000): Promise<PeerDecode> {
    return (await this.request({ op: 'decode', tokens: Array.from(tokens), n }, timeoutMs)) as unknown as PeerDecode;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end(JSON.stringify({ op: 'quit' }) + '\n');
    const timer = setTimeout(() => this.child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
