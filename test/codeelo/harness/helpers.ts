// Shared helpers of the harness tests: a mock OpenAI-compatible chat server on 127.0.0.1 whose
// behaviour per request is scripted by the test (SSE answers, slow streams, 429 with
// retry-after, 500, hangs), a small contest over the fastest bundled problems with a simulated
// field, and answers built from the bundled solutions.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { BUNDLED_PROBLEMS_DIR, type RunContest } from '../../../src/codeelo/harness/contests.ts';
import { problemFromPackage } from '../../../src/codeelo/harness/problems.ts';
import { simulatedPack, type BundledContest } from '../../../src/codeelo/harness/simulated.ts';

export { sandboxSkipReason } from '../judge/helpers.ts';

export type MockAction =
  | { kind: 'answer'; text: string; chunkDelayMs?: number; chunks?: number }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' };

export interface MockRequest {
  at: number;
  title: string;
  seed: number | undefined;
  body: Record<string, unknown>;
}

export interface MockServer {
  url: string;
  requests: MockRequest[];
  close(): Promise<void>;
}

/** Title of the problem in a harness prompt ("# Title" line). */
export function titleOf(prompt: string): string {
  return /^# (.+)$/m.exec(prompt)?.[1] ?? '?';
}

export async function startMockOpenAi(decide: (req: MockRequest, nth: number) => MockAction): Promise<MockServer> {
  const requests: MockRequest[] = [];
  const open = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      const messages = body.messages as { content: string }[];
      const request: MockRequest = {
        at: Date.now(),
        title: titleOf(messages[0].content),
        seed: body.seed as number | undefined,
        body,
      };
      requests.push(request);
      const action = decide(request, requests.length);
      open.add(res);
      res.on('close', () => open.delete(res));
      if (action.kind === 'hang') return;
      if (action.kind === 'status') {
        res.writeHead(action.status, {
          'content-type': 'application/json',
          ...(action.retryAfter ? { 'retry-after': action.retryAfter } : {}),
        });
        res.end(JSON.stringify({ error: { message: `mock ${action.status}`, type: 'mock' } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const pieces = splitText(action.text, action.chunks ?? 3);
      const send = (obj: unknown): void => {
        res.write(`data: ${JSON.stringify(obj)}\n\n`);
      };
      const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
        id: 'mock',
        object: 'chat.completion.chunk',
        created: 0,
        model: String(body.model),
        choices: [{ index: 0, delta, finish_reason: finish }],
      });
      let i = 0;
      const step = (): void => {
        if (res.destroyed) return;
        if (i < pieces.length) {
          send(chunk({ role: 'assistant', content: pieces[i++] }, null));
          setTimeout(step, action.chunkDelayMs ?? 0);
          return;
        }
        send(chunk({}, 'stop'));
        send({
          id: 'mock',
          object: 'chat.completion.chunk',
          created: 0,
          model: String(body.model),
          choices: [],
          usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
        });
        res.end('data: [DONE]\n\n');
      };
      step();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function splitText(text: string, parts: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / parts));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

/** An answer in the model's style, with the bundled solution file in a fenced block. */
export function answerWith(problem: string, solution: string, tag = 'cpp'): string {
  const code = readFileSync(join(BUNDLED_PROBLEMS_DIR, problem, 'solutions', solution), 'utf8');
  return `Reasoning about the problem.\n\n\`\`\`${tag}\n${code}\`\`\`\n\nThat is all.\n`;
}

/** A points-scored contest over the three fastest bundled problems, simulated field. */
export const TEST_CONTEST: BundledContest = {
  id: 990001,
  name: 'harness test round (simulated field)',
  division: 'Div. 2',
  scoring: 'points',
  durationMinutes: 120,
  ratingCap: 2100,
  participants: 400,
  seed: 42,
  problems: [
    { index: 'A', problem: 'compact-log', rating: 800, tags: ['implementation', 'strings'], points: 500 },
    { index: 'B', problem: 'exactly-one-divisor', rating: 900, tags: ['math', 'number theory'], points: 1000 },
    { index: 'C', problem: 'study-pairs', rating: 1100, tags: ['greedy', 'sortings', 'two pointers'], points: 1500 },
  ],
};

export function testRunContest(contest: BundledContest = TEST_CONTEST): RunContest {
  return {
    pack: simulatedPack(contest),
    simulated: true,
    problems: contest.problems.map((p) =>
      problemFromPackage(join(BUNDLED_PROBLEMS_DIR, p.problem), {
        contestId: contest.id,
        index: p.index,
        key: `${contest.id}${p.index}`,
        rating: p.rating,
        tags: p.tags,
      }),
    ),
  };
}

/** A --packages directory naming bundled problems by `<contest id><index>` (symlinks). */
export function packagesDir(root: string, contestId: number, map: Record<string, string>): string {
  const dir = join(root, 'packages');
  mkdirSync(dir, { recursive: true });
  for (const [index, problem] of Object.entries(map))
    symlinkSync(join(BUNDLED_PROBLEMS_DIR, problem), join(dir, `${contestId}${index.toLowerCase()}`));
  return dir;
}

const LMLAB_BIN = fileURLToPath(new URL('../../../bin/lmlab.js', import.meta.url));

/** Runs the lmlab command line (asynchronously, so in-process servers keep answering). */
export function lmlab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LMLAB_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
