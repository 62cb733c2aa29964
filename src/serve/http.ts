// HTTP plumbing of the server: reading a JSON body under a size limit, writing JSON and
// server-sent events, and the OpenAI error objects of routing failures (404, 405, 413) and of
// unexpected errors (500, logged). Not here: routes and generation (server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LmlabError } from '../util/errors.ts';
import { ApiError } from './protocol.ts';

export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (!failed) reject(err);
      failed = true;
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(
          new ApiError(
            400,
            `the request body is not valid JSON: ${(err as Error).message}`,
            'invalid_request_error',
            null,
            'invalid_json',
          ),
        );
      }
    });
  });
}

export function toApiError(err: unknown, log: (line: string) => void): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof LmlabError) return new ApiError(400, err.message);
  log(`internal error: ${(err as Error)?.stack ?? String(err)}`);
  return new ApiError(500, `internal error: ${(err as Error)?.message ?? String(err)}`, 'server_error', null, null);
}

export function notFound(method: string, path: string): ApiError {
  return new ApiError(404, `Unknown request URL: ${method} ${path}`, 'invalid_request_error', null, 'unknown_url');
}

export function methodNotAllowed(method: string, path: string): ApiError {
  return new ApiError(
    405,
    `Method ${method} is not allowed for ${path}`,
    'invalid_request_error',
    null,
    'method_not_allowed',
  );
}

function tooLarge(limit: number): ApiError {
  return new ApiError(
    413,
    `the request body is larger than the limit of ${limit} bytes`,
    'invalid_request_error',
    null,
    'request_too_large',
  );
}

export function writeEvent(res: ServerResponse, data: object): void {
  res.write(`data: ${JSON.stringify(data)}\n\n`);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
  options: { close?: boolean } = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
    ...(options.close ? { connection: 'close' } : {}),
  });
  res.end(text);
}
