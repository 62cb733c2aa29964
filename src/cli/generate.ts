// `lmlab generate` (streamed text from a prompt) and `lmlab score` (per-token log-probabilities
// of texts, optionally after an unscored prefix) over a model directory.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { LmlabError } from '../util/errors.ts';
import { ioError } from '../util/atomic.ts';
import { decodeUtf8Strict } from '../data/utf8.ts';
import { loadModelDir } from '../model/load.ts';
import { InferenceSession } from '../model/inference.ts';
import { type GenerateResult, type SamplingOptions, checkSampling, generate } from '../model/generate.ts';
import { scoreText } from '../model/score.ts';
import { readDocuments } from '../data/documents.ts';
import { integerFlag as integer, numberFlag as number } from './flags.ts';
import { KV_CACHE_DEFAULT, KV_CACHE_FLAG, KV_CACHE_HELP, applyKvCacheFlag } from './kv-cache-flag.ts';
import { type AdaSkipFlags, adaskipFromFlags } from './adaskip-flags.ts';
import type { LlamaModel } from '../model/llama.ts';
import { extractDomain, metadataTemplate } from '../meco/domain.ts';
import { DEFAULT_ALPHA } from '../adaskip/plan.ts';
import { generateSpeculative, type SpeculativeStats } from '../model/speculative.ts';

function readInputFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw ioError(err, path, 'read');
  }
}

/** AdaSkip options shared by generate and score (off unless --adaskip or a baseline is given). */
function addSkipOptions(command: Command): Command {
  return command
    .option('--adaskip <profile>', 'skip sublayers with an AdaSkip profile (from `lmlab adaskip calibrate`)')
    .option('--alpha <a>', `fraction of the 2·layers sublayers to skip, in [0, 1) (default ${DEFAULT_ALPHA})`)
    .option('--skip-count <n>', 'skip exactly this many sublayers instead of --alpha')
    .option('--mode <mode>', 'where to skip: prefill | decode | e2e (default e2e)')
    .option(
      '--adaskip-compat',
      "reset τ to 1.0 per request, as the paper's public code does (disables online learning)",
    )
    .option(
      '--skip-method <m>',
      'adaskip (default) or a baseline: static | early-exit | skipdecode | unified | shortgpt | random',
    )
    .option('--skip-seed <n>', 'seed of the random baseline');
}

function sessionFor(model: LlamaModel, flags: AdaSkipFlags, chunk: number) {
  const adaskip = adaskipFromFlags(model, flags);
  return { adaskip, session: adaskip ? adaskip.newSession(model, chunk) : new InferenceSession(model, { chunk }) };
}

interface GenerateFlags extends AdaSkipFlags {
  prompt?: string;
  promptFile?: string;
  maxTokens: string;
  temperature: string;
  topK: string;
  topP: string;
  repetitionPenalty: string;
  seed: string;
  stop: string[];
  stopToken: string[];
  chunk: string;
  kvCache?: string;
  json?: boolean;
  url?: string;
  speculative?: boolean;
  draftTokens: string;
  maxDraft: string;
}

export function registerGenerateCommands(program: Command): void {
  const generateCommand = program
    .command('generate')
    .description(
      'generate text from a prompt with a model directory (config.json, model.safetensors, tokenizer.json); --speculative: lossless AdaSkip drafting',
    )
    .argument('<model>', 'model directory (e.g. a training checkpoint)')
    .option('-p, --prompt <text>', 'the prompt')
    .option('--prompt-file <file>', 'read the prompt from a file')
    .option('-n, --max-tokens <n>', 'tokens to generate at most', '128')
    .option('-t, --temperature <t>', 'sampling temperature (0 = greedy)', '0.8')
    .option('--top-k <k>', 'sample among the k most likely tokens (0 = all)', '0')
    .option('--top-p <p>', 'nucleus sampling: smallest set with probability ≥ p (1 = all)', '0.95')
    .option('--repetition-penalty <r>', 'divide logits of tokens already in the context by r (1 = off)', '1')
    .option('--seed <n>', 'random seed for sampling', '0')
    .option('--stop <text...>', 'stop when this text is generated', [])
    .option('--stop-token <id...>', 'stop at this token id', [])
    .option('--chunk <n>', 'prefill chunk size in tokens (bounds memory)', '512')
    .option(KV_CACHE_FLAG, KV_CACHE_HELP, KV_CACHE_DEFAULT)
    .option('--json', 'print one JSON object (tokens, text, timings, stop reason) instead of streaming')
    .option(
      '--url <domain-or-url>',
      'MeCo conditioning: prepend "URL: <domain>\\n\\n" (tokenized on its own, as in training)',
    )
    .option(
      '--speculative',
      'lossless self-speculative decoding: the skipping model (--adaskip PROFILE ...) drafts, the full model verifies; output as the full model alone',
    )
    .option('--draft-tokens <k>', 'with --speculative: drafts per round at the start (adapts to the acceptance)', '4')
    .option('--max-draft <k>', 'with --speculative: the most drafts per round', '16');
  addSkipOptions(generateCommand).action(async (modelDir: string, f: GenerateFlags) => {
    if ((f.prompt === undefined) === (f.promptFile === undefined))
      throw new LmlabError('give exactly one of --prompt or --prompt-file');
    const sampling: SamplingOptions = {
      temperature: number('--temperature', f.temperature),
      topK: integer('--top-k', f.topK),
      topP: number('--top-p', f.topP),
      repetitionPenalty: number('--repetition-penalty', f.repetitionPenalty),
      seed: integer('--seed', f.seed),
    };
    checkSampling(sampling);
    applyKvCacheFlag(f.kvCache);
    const maxTokens = integer('--max-tokens', f.maxTokens);
    if (maxTokens < 1) throw new LmlabError('--max-tokens must be at least 1');
    const stopTokens = f.stopToken.map((t) => integer('--stop-token', t));
    const { model, tokenizer } = await loadModelDir(modelDir, { requireTokenizer: true });
    const tk = tokenizer!;
    const promptText = f.prompt ?? decodeUtf8Strict(readInputFile(f.promptFile!), f.promptFile!);
    const bos = tk.bosId;
    const metadata = f.url === undefined ? [] : tk.encode(metadataTemplate(extractDomain(f.url)));
    const prompt = Int32Array.from([...(bos === undefined ? [] : [bos]), ...metadata, ...tk.encode(promptText)]);
    const chunk = integer('--chunk', f.chunk);
    const { adaskip, session } = sessionFor(model, f, chunk);
    if (f.speculative && !adaskip)
      throw new LmlabError('--speculative needs a draft: give --adaskip PROFILE (or a profile-free --skip-method)');
    const options = {
      sampling,
      maxTokens,
      eosToken: tk.eosId ?? null,
      stopTokens,
      stopStrings: f.stop,
      tokenBytes: (id: number) => tk.decodeBytes([id]),
      onText: f.json ? undefined : (piece: string) => process.stdout.write(piece),
    };
    let speculative: SpeculativeStats | null = null;
    let result: GenerateResult;
    if (f.speculative) {
      const r = generateSpeculative(new InferenceSession(model, { chunk }), session, prompt, {
        ...options,
        draftTokens: integer('--draft-tokens', f.draftTokens),
        maxDraft: integer('--max-draft', f.maxDraft),
      });
      speculative = r.speculative;
      result = r;
    } else {
      result = generate(session, prompt, options);
    }
    if (f.json) {
      console.log(
        JSON.stringify({
          prompt_tokens: result.promptTokens,
          tokens: result.tokens,
          text: result.text,
          stop_reason: result.stopReason,
          time_to_first_token_ms: result.timeToFirstTokenMs,
          decode_tokens_per_s: result.decodeTokensPerSecond,
          ...(adaskip ? { adaskip: adaskip.stats() } : {}),
          ...(speculative ? { speculative } : {}),
        }),
      );
    } else {
      process.stdout.write('\n');
      process.stderr.write(
        `[${result.tokens.length} tokens, stop: ${result.stopReason}, first token ${result.timeToFirstTokenMs.toFixed(0)} ms, ` +
          `${result.decodeTokensPerSecond.toFixed(1)} tokens/s]\n`,
      );
      if (speculative)
        process.stderr.write(
          `[speculative: ${speculative.accepted} of ${speculative.drafted} drafts kept (${(100 * speculative.acceptanceRate).toFixed(1)}%), ${speculative.rounds} verification passes, mean k ${speculative.meanDraft.toFixed(1)}]\n`,
        );
      if (adaskip) {
        const st = adaskip.stats();
        process.stderr.write(
          `[adaskip ${st.method}/${st.mode}: skipped ${st.offline || 'nothing'}; ${(100 * st.flopShareSkipped).toFixed(1)}% of FLOPs]\n`,
        );
      }
    }
  });

  const scoreCommand = program
    .command('score')
    .description('per-token log-probabilities of texts under a model (perplexity), with an optional unscored prefix')
    .argument('<model>', 'model directory')
    .option('--text <text>', 'a text to score')
    .option('--file <file>', 'JSONL of {"text", "prefix"?} records (or plain text files) to score')
    .option('--prefix <text>', 'context before each text that is not scored')
    .option('--chunk <n>', 'prefill chunk size in tokens', '512')
    .option(KV_CACHE_FLAG, KV_CACHE_HELP, KV_CACHE_DEFAULT)
    .option('--json', 'one JSON line per text with every token and its log-probability');
  addSkipOptions(scoreCommand).action(
    async (
      modelDir: string,
      f: AdaSkipFlags & {
        text?: string;
        file?: string;
        prefix?: string;
        chunk: string;
        kvCache?: string;
        json?: boolean;
      },
    ) => {
      applyKvCacheFlag(f.kvCache);
      if ((f.text === undefined) === (f.file === undefined))
        throw new LmlabError('give exactly one of --text or --file');
      const { model, tokenizer } = await loadModelDir(modelDir, { requireTokenizer: true });
      const chunk = integer('--chunk', f.chunk);
      const { session } = sessionFor(model, f, chunk);
      const items: Array<{ text: string; prefix: string }> = [];
      if (f.text !== undefined) items.push({ text: f.text, prefix: f.prefix ?? '' });
      else {
        for await (const doc of readDocuments([f.file!])) {
          const p = doc.record.prefix;
          items.push({ text: doc.text, prefix: typeof p === 'string' ? p : (f.prefix ?? '') });
        }
      }
      let totalNll = 0;
      let totalTokens = 0;
      for (const item of items) {
        const r = scoreText(model, tokenizer!, item.text, { prefix: item.prefix, chunk, session });
        totalNll += r.nll;
        totalTokens += r.tokens.length;
        if (f.json)
          console.log(
            JSON.stringify({
              tokens: r.tokens,
              logprobs: r.logprobs,
              nll: r.nll,
              count: r.tokens.length,
              mean_nll: r.nll / Math.max(1, r.tokens.length),
            }),
          );
      }
      if (items.length === 0) throw new LmlabError(`nothing to score: ${f.file} holds no text`);
      if (totalTokens === 0)
        throw new LmlabError(
          'nothing to score: the text(s) give no token to predict (empty, or a single token without a BOS)',
        );
      const mean = totalNll / totalTokens;
      if (!f.json)
        console.log(
          `${items.length} text(s), ${totalTokens} scored tokens: mean loss ${mean.toFixed(4)} nats/token, perplexity ${Math.exp(mean).toFixed(3)}`,
        );
    },
  );
}
