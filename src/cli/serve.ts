// `lmlab serve MODEL`: the OpenAI-compatible HTTP server (src/serve/) on a model folder. Parses
// the flags, loads the model, listens (loopback unless --host says otherwise) and prints where;
// Ctrl-C stops it. The API key comes from --api-key or LMLAB_API_KEY.
import type { Command } from 'commander';
import { LmlabError } from '../util/errors.ts';
import { checkAlpha, parseMethod, parseMode } from '../adaskip/plan.ts';
import { LmlabServer, loadServedModel, type SkipSettings } from '../serve/index.ts';
import { integerFlag, numberFlag } from './flags.ts';
import { KV_CACHE_DEFAULT, KV_CACHE_FLAG, KV_CACHE_HELP, applyKvCacheFlag } from './kv-cache-flag.ts';

interface ServeFlags {
  host: string;
  port: string;
  modelName?: string;
  apiKey?: string;
  maxActive: string;
  maxQueued: string;
  maxBodyBytes: string;
  chunk: string;
  kvCache?: string;
  adaskip: string[];
  alpha?: string;
  mode?: string;
  skipMethod?: string;
  quiet?: boolean;
}

/** The server's default skip settings from the flags (null: dense unless a request asks). */
function defaultSkip(f: ServeFlags): SkipSettings | null {
  const method = f.skipMethod !== undefined ? parseMethod(f.skipMethod) : undefined;
  if (f.adaskip.length === 0 && method === undefined) {
    if (f.alpha !== undefined || f.mode !== undefined)
      throw new LmlabError('--alpha and --mode need --adaskip PROFILE or --skip-method');
    return null;
  }
  return {
    ...(method !== undefined ? { method } : {}),
    ...(f.alpha !== undefined ? { alpha: checkAlpha(numberFlag('--alpha', f.alpha)) } : {}),
    ...(f.mode !== undefined ? { mode: parseMode(f.mode) } : {}),
  };
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve a model over the OpenAI HTTP API (/v1/completions, /v1/chat/completions, /v1/models, /health)')
    .argument(
      '<model>',
      'model folder (config.json, model.safetensors, tokenizer.json; tokenizer_config.json for chat)',
    )
    .option('--host <host>', 'address to bind (loopback by default)', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '8080')
    .option('--model-name <name>', 'the model id clients send (default: the folder name)')
    .option('--api-key <key>', 'require Authorization: Bearer <key> (default: $LMLAB_API_KEY)')
    .option('--max-active <n>', 'requests decoding at once, interleaved token by token', '4')
    .option('--max-queued <n>', 'requests waiting beyond those; more get HTTP 429', '16')
    .option('--max-body-bytes <n>', 'largest request body', String(1 << 20))
    .option('--chunk <n>', 'prefill chunk size in tokens', '512')
    .option(KV_CACHE_FLAG, KV_CACHE_HELP, KV_CACHE_DEFAULT)
    .option(
      '--adaskip <profile...>',
      'AdaSkip profiles requests may use (by file name, or NAME=PATH); the first is the default',
      [],
    )
    .option('--alpha <a>', 'default skip budget: fraction of the 2·layers sublayers (default 0.25)')
    .option('--mode <mode>', 'default skip mode: prefill | decode | e2e (default e2e)')
    .option(
      '--skip-method <m>',
      'default skip method: adaskip or a baseline (static | early-exit | skipdecode | unified | shortgpt | random)',
    )
    .option('--quiet', 'no log lines')
    .action(async (modelPath: string, f: ServeFlags) => {
      applyKvCacheFlag(f.kvCache);
      const port = numberFlag('--port', f.port, { integer: true, min: 0, max: 65535 });
      const apiKey = f.apiKey ?? process.env.LMLAB_API_KEY;
      const log = f.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const model = await loadServedModel(modelPath, {
        ...(f.modelName ? { id: f.modelName } : {}),
        profiles: f.adaskip,
        defaultSkip: defaultSkip(f),
        chunk: integerFlag('--chunk', f.chunk, 1),
      });
      const server = new LmlabServer(model, {
        ...(apiKey ? { apiKey } : {}),
        maxActive: integerFlag('--max-active', f.maxActive, 1),
        maxQueued: integerFlag('--max-queued', f.maxQueued, 0),
        maxBodyBytes: integerFlag('--max-body-bytes', f.maxBodyBytes, 1),
        log,
      });
      const bound = await server.listen(port, f.host);
      const shown = f.host.includes(':') ? `[${f.host}]` : f.host;
      // one machine-readable line on stdout, so scripts can find an ephemeral port
      console.log(`lmlab serve: ${model.id} on http://${shown}:${bound}/v1`);
      log(
        `context ${model.contextLength} tokens, chat template: ${model.template ? 'yes' : 'none'}, stop tokens ${model.stopTokens.join(', ') || 'none'}${apiKey ? ', API key required' : ''}`,
      );
      const stop = () => {
        log('lmlab serve: shutting down');
        void server.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
