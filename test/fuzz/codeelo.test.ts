// Property-based tests of CodeElo's parsers of outside input: problem.json, Codeforces API
// JSON (standings, rating changes, rated lists, and contest packs built from them), and the
// replies of OpenAI-compatible (streamed, SSE) and Anthropic servers — malformed SSE, truncated
// JSON, wrong types. Each gives a result or an LmlabError, never another exception, never a
// hang. Fixed seed, bounded runs; the servers are on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { loadProblem } from '../../src/codeelo/judge/problem.ts';
import { parseRatedList, parseRatingChanges, parseStandings } from '../../src/codeelo/cf/import.ts';
import { packFromApi } from '../../src/codeelo/rating/pack.ts';
import {
  AnthropicClient,
  OpenAiChatClient,
  PAPER_SAMPLING,
  type Generation,
} from '../../src/codeelo/harness/models.ts';
import { LmlabError } from '../../src/util/errors.ts';
import { jsonText, mutatedJson, onlyLmlabErrors, onlyLmlabErrorsAsync, settings } from './helpers.ts';
import { apiResponsesFromRound, type RoundRow } from '../codeelo/rating/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'lmlab-fuzz-codeelo-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('problem.json: mutated or cut-short metadata gives a problem or an LmlabError', () => {
  const fixture = fileURLToPath(new URL('../codeelo/judge/fixtures/sum', import.meta.url));
  const problemDir = join(dir, 'sum');
  cpSync(fixture, problemDir, { recursive: true });
  const valid = JSON.parse(readFileSync(join(fixture, 'problem.json'), 'utf8')) as unknown;
  fc.assert(
    fc.property(
      fc.oneof(
        mutatedJson(valid).map((d) => JSON.stringify(d) ?? ''),
        jsonText(valid),
      ),
      (text) => {
        writeFileSync(join(problemDir, 'problem.json'), text);
        const problem = onlyLmlabErrors(() => loadProblem(problemDir));
        if (!(problem instanceof LmlabError)) {
          assert.ok(problem.timeLimitMs > 0 && problem.memoryLimitMb > 0);
          assert.ok(problem.tests.length > 0);
        }
      },
    ),
    settings(300),
  );
});

test('Codeforces API JSON: mutated responses parse and build packs, or give an LmlabError', () => {
  const rows: RoundRow[] = Array.from({ length: 12 }, (_, i) => [
    `user${i}`,
    3000 - 200 * i,
    10 * i,
    1400 + 37 * i,
    20 - 3 * i,
  ]);
  const { standings, ratingChanges } = apiResponsesFromRound(rows, 1999);
  const ratedList = { status: 'OK', result: rows.map(([handle, , , rating]) => ({ handle, rating })) };
  fc.assert(
    fc.property(mutatedJson(standings), mutatedJson(ratingChanges), mutatedJson(ratedList), (s, r, l) => {
      const parsed = onlyLmlabErrors(() => ({ s: parseStandings(s), r: parseRatingChanges(r) }));
      if (!(parsed instanceof LmlabError)) onlyLmlabErrors(() => packFromApi(parsed.s, parsed.r));
      onlyLmlabErrors(() => parseRatedList(l));
    }),
    settings(300),
  );
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      onlyLmlabErrors(() => parseStandings(v));
      onlyLmlabErrors(() => parseRatingChanges(v));
    }),
    settings(200),
  );
});

/** A loopback server answering every request with the body (and content type) set for it. */
async function fixedServer(): Promise<{ url: string; set(body: Buffer, type: string): void; close(): Promise<void> }> {
  let body: Buffer = Buffer.alloc(0);
  let type = 'text/event-stream';
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    set: (b, t) => {
      body = b;
      type = t;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function checkGeneration(g: Generation | LmlabError | null): void {
  if (g === null || g instanceof LmlabError) return;
  assert.equal(typeof g.text, 'string');
  assert.equal(typeof g.finishReason, 'string');
  for (const n of [g.promptTokens, g.completionTokens]) assert.ok(Number.isInteger(n) && n >= 0, `token count ${n}`);
}

const goodChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [{ index: 0, delta: { content: 'int main() {}' }, finish_reason: null }],
};
const usageChunk = {
  id: 'c',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'm',
  choices: [],
  usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
};

/** SSE bodies: well-formed events around mutated chunks, cut short, garbage lines, no [DONE]. */
const sseBody = fc
  .record({
    events: fc.array(
      fc.oneof(
        mutatedJson(goodChunk).map((c) => `data: ${JSON.stringify(c) ?? ''}`),
        mutatedJson(usageChunk).map((c) => `data: ${JSON.stringify(c) ?? ''}`),
        jsonText(goodChunk).map((t) => `data: ${t}`),
        fc.string().map((t) => `data: ${t}`),
        fc.constantFrom('event: error', ': comment', 'data: [DONE]', 'retry: 10', 'data:', 'id: 1'),
        fc.string(),
      ),
      { maxLength: 6 },
    ),
    done: fc.boolean(),
    cut: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ events, done, cut }) => {
    const text = events.map((e) => `${e}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : '');
    return Buffer.from(cut === undefined ? text : text.slice(0, cut % (text.length + 1)));
  });

test('OpenAI-compatible streamed replies: malformed SSE, truncated or mistyped chunks give a generation or an LmlabError', async () => {
  const server = await fixedServer();
  try {
    const client = new OpenAiChatClient({
      baseUrl: `${server.url}/v1`,
      apiKey: 'k',
      model: 'm',
      sampling: PAPER_SAMPLING,
    });
    await fc.assert(
      fc.asyncProperty(sseBody, async (body) => {
        server.set(body, 'text/event-stream');
        const signal = AbortSignal.timeout(10_000); // a hang fails the property, it does not stall the suite
        const g = await onlyLmlabErrorsAsync(() =>
          client.generate({ key: 'x', attempt: 1, prompt: 'p', seed: 1, signal }),
        );
        assert.equal(signal.aborted, false, 'the reply was handled without waiting for the deadline');
        checkGeneration(g);
      }),
      settings(120),
    );
  } finally {
    await server.close();
  }
});

test('Anthropic replies: mutated, truncated or arbitrary JSON gives a generation or an LmlabError', async () => {
  const server = await fixedServer();
  const valid = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude',
    stop_reason: 'end_turn',
    stop_sequence: null,
    content: [{ type: 'text', text: '```cpp\nint main() {}\n```' }],
    usage: { input_tokens: 12, output_tokens: 34 },
  };
  try {
    const client = new AnthropicClient({ baseUrl: server.url, apiKey: 'k', model: 'claude', sampling: PAPER_SAMPLING });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mutatedJson(valid).map((d) => JSON.stringify(d) ?? ''),
          jsonText(valid),
        ),
        async (text) => {
          server.set(Buffer.from(text), 'application/json');
          const signal = AbortSignal.timeout(10_000);
          const g = await onlyLmlabErrorsAsync(() =>
            client.generate({ key: 'x', attempt: 1, prompt: 'p', seed: 1, signal }),
          );
          assert.equal(signal.aborted, false);
          checkGeneration(g);
        },
      ),
      settings(120),
    );
  } finally {
    await server.close();
  }
});
