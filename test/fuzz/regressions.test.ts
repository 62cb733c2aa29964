// Inputs the property-based tests found, kept as plain regression tests: each used to escape as
// a plain Error or TypeError (or slip through with the wrong type) and is now an LmlabError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHuggingFaceJson, fromHuggingFaceJson } from '../../src/tokenizer/hf-json.ts';
import { readDocuments } from '../../src/data/documents.ts';
import { OpenAiChatClient, PAPER_SAMPLING, RetryableError } from '../../src/codeelo/harness/models.ts';
import { LmlabError } from '../../src/util/errors.ts';
import { smallTokenizer } from '../tokenizer/helpers.ts';

test('tokenizer.json with a merge ["Ø", null] is an LmlabError', () => {
  const json = toHuggingFaceJson(smallTokenizer()) as unknown as { model: { merges: unknown[] } };
  json.model.merges[250] = ['Ø', null];
  assert.throws(
    () => fromHuggingFaceJson(json),
    (e: Error) => e instanceof LmlabError && /merge 250 is neither/.test(e.message),
  );
});

test('a JSONL line whose "text" is a number is an LmlabError naming the line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-regress-'));
  try {
    const path = join(dir, 'c.jsonl');
    writeFileSync(path, '{"text":1989908732,"url":"https://6pd8sdhmtq9e.wj6ha-g.srt"}\n');
    await assert.rejects(
      async () => {
        for await (const doc of readDocuments([path])) void doc;
      },
      (e: Error) => e instanceof LmlabError && /c\.jsonl:1: expected a "text" string/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('streamed chunks with the wrong shape are a retryable LmlabError, not a TypeError or a bad count', async () => {
  const bodies = [
    'data: {"id":"c","object":"chat.completion.chunk","created":0,"model":"m"}\n\ndata: {"choices":null}\n\ndata: [DONE]\n\n',
    'data: {"id":"c","choices":[],"usage":{"prompt_tokens":"five","completion_tokens":7}}\n\ndata: [DONE]\n\n',
    'data: {"id":"c","choices":[{"index":0,"delta":{"content":5},"finish_reason":null}]}\n\ndata: [DONE]\n\n',
  ];
  let body = '';
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const client = new OpenAiChatClient({
      baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`,
      model: 'm',
      sampling: PAPER_SAMPLING,
    });
    for (const b of bodies) {
      body = b;
      await assert.rejects(
        client.generate({ key: 'x', attempt: 1, prompt: 'p', seed: 1, signal: AbortSignal.timeout(10_000) }),
        (e: Error) =>
          e instanceof RetryableError &&
          e instanceof LmlabError &&
          /malformed chunk in the streamed reply/.test(e.message),
        b,
      );
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
