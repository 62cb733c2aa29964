// Chat templates: the Jinja template an instruct checkpoint ships in tokenizer_config.json
// (`chat_template`, a string or a list of {name, template}) rendered with @huggingface/jinja into
// the prompt text, with the variables Hugging Face's apply_chat_template provides: messages,
// bos_token, eos_token, add_generation_prompt, tools, raise_exception and strftime_now. Also the
// tokens a chat generation stops at: the tokenizer's EOS, the eos ids of generation_config.json and
// config.json, and the end-of-turn marker the template closes each turn with.
// Not here: tokenizing the rendered text (the caller encodes it with special tokens allowed and
// adds no BOS of its own, as apply_chat_template does) and generation.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { LmlabError } from '../util/errors.ts';

export interface ChatMessage {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

export interface RenderOptions {
  /** end the prompt with the header of an assistant turn (default true) */
  addGenerationPrompt?: boolean;
  tools?: unknown[];
  /** further template variables (e.g. date_string) */
  variables?: Record<string, unknown>;
}

/** A template that refused the conversation (raise_exception) or failed to render. */
export class ChatTemplateError extends LmlabError {}

/** Markers that end a turn in the common template families (matched against the template text). */
export const END_OF_TURN_MARKERS = [
  '<|eot_id|>',
  '<|eom_id|>',
  '<|im_end|>',
  '<end_of_turn>',
  '<|end|>',
  '<|end_of_text|>',
  '<|endoftext|>',
];

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Python's strftime for the directives chat templates use (C locale, local time). */
export function strftime(date: Date, format: string): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return format.replace(/%([a-zA-Z%])/g, (whole, d: string) => {
    switch (d) {
      case 'Y':
        return String(date.getFullYear());
      case 'y':
        return pad(date.getFullYear() % 100);
      case 'm':
        return pad(date.getMonth() + 1);
      case 'd':
        return pad(date.getDate());
      case 'e':
        return String(date.getDate()).padStart(2, ' ');
      case 'B':
        return MONTHS[date.getMonth()];
      case 'b':
        return MONTHS[date.getMonth()].slice(0, 3);
      case 'A':
        return DAYS[date.getDay()];
      case 'a':
        return DAYS[date.getDay()].slice(0, 3);
      case 'H':
        return pad(date.getHours());
      case 'M':
        return pad(date.getMinutes());
      case 'S':
        return pad(date.getSeconds());
      case '%':
        return '%';
      default:
        return whole;
    }
  });
}

function pythonRange(start: number, stop: number | undefined, step: number): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new ChatTemplateError('range() step must not be zero');
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
}

/** A special token as tokenizer_config.json writes it: a string or an AddedToken object. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string')
    return (value as { content: string }).content;
  return undefined;
}

export class ChatTemplate {
  private readonly parsed: Template;

  constructor(
    readonly source: string,
    readonly specials: { bosToken?: string; eosToken?: string } = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    try {
      this.parsed = new Template(source);
    } catch (err) {
      throw new LmlabError(`the chat template does not parse: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  render(messages: ChatMessage[], options: RenderOptions = {}): string {
    // The globals Jinja and transformers define, with raise_exception and strftime_now our own
    // (a one-line error; an injectable clock), then the template's variables.
    const variables: Record<string, unknown> = {
      true: true,
      false: false,
      none: null,
      True: true,
      False: false,
      None: null,
      range: (start: number, stop?: number, step = 1) => pythonRange(start, stop, step),
      raise_exception: (message: unknown) => {
        throw new ChatTemplateError(`the chat template refused the conversation: ${String(message)}`);
      },
      strftime_now: (format: unknown) => strftime(this.now(), String(format)),
      ...options.variables,
      messages,
      bos_token: this.specials.bosToken ?? '',
      eos_token: this.specials.eosToken ?? '',
      add_generation_prompt: options.addGenerationPrompt ?? true,
    };
    if (options.tools !== undefined) variables.tools = options.tools;
    const env = new Environment();
    for (const [name, value] of Object.entries(variables)) env.set(name, value);
    try {
      return new Interpreter(env).run(this.parsed.parsed).value as string;
    } catch (err) {
      if (err instanceof ChatTemplateError) throw err;
      throw new ChatTemplateError(`the chat template failed: ${(err as Error).message.split('\n')[0]}`);
    }
  }

  /** The end-of-turn markers this template writes (in the order of END_OF_TURN_MARKERS). */
  endOfTurnMarkers(): string[] {
    const found = END_OF_TURN_MARKERS.filter((m) => this.source.includes(m));
    if (this.specials.eosToken && /\beos_token\b/.test(this.source) && !found.includes(this.specials.eosToken))
      found.push(this.specials.eosToken);
    return found;
  }

  /**
   * The template of a parsed tokenizer_config.json, or null when it has none. The list form
   * picks `name` if given, else "tool_use" when tools are used and present, else "default".
   */
  static fromTokenizerConfig(
    config: unknown,
    where: string,
    options: { name?: string; tools?: boolean; now?: () => Date } = {},
  ): ChatTemplate | null {
    if (!config || typeof config !== 'object') throw new LmlabError(`${where}: not a JSON object`);
    const c = config as Record<string, unknown>;
    const raw = c.chat_template;
    if (raw === undefined || raw === null) return null;
    let source: string;
    if (typeof raw === 'string') {
      source = raw;
    } else if (Array.isArray(raw)) {
      const named = new Map<string, string>();
      for (const entry of raw) {
        const e = entry as { name?: unknown; template?: unknown };
        if (typeof e?.name !== 'string' || typeof e.template !== 'string')
          throw new LmlabError(`${where}: chat_template list entries need a name and a template`);
        named.set(e.name, e.template);
      }
      const name = options.name ?? (options.tools && named.has('tool_use') ? 'tool_use' : 'default');
      const chosen = named.get(name);
      if (chosen === undefined)
        throw new LmlabError(`${where}: no chat template named "${name}" (have: ${[...named.keys()].join(', ')})`);
      source = chosen;
    } else {
      throw new LmlabError(`${where}: chat_template must be a string or a list of {name, template}`);
    }
    const bosToken = tokenContent(c.bos_token);
    const eosToken = tokenContent(c.eos_token);
    return new ChatTemplate(
      source,
      { ...(bosToken !== undefined ? { bosToken } : {}), ...(eosToken !== undefined ? { eosToken } : {}) },
      options.now,
    );
  }
}

function readJsonIfPresent(path: string): unknown {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new LmlabError(`${path}: invalid JSON (${(err as Error).message})`);
  }
}

/** The chat template of a model folder's tokenizer_config.json, or null (no file or no template). */
export function loadChatTemplate(dir: string, options: { name?: string } = {}): ChatTemplate | null {
  const path = join(dir, 'tokenizer_config.json');
  const config = readJsonIfPresent(path);
  return config === undefined ? null : ChatTemplate.fromTokenizerConfig(config, path, options);
}

/** eos_token_id (a number or a list) of generation_config.json and config.json in a model folder. */
export function configuredEosIds(dir: string): number[] {
  const ids = new Set<number>();
  for (const name of ['generation_config.json', 'config.json']) {
    const json = readJsonIfPresent(join(dir, name)) as { eos_token_id?: unknown } | undefined;
    const value = json?.eos_token_id;
    for (const id of Array.isArray(value) ? value : [value])
      if (Number.isInteger(id) && (id as number) >= 0) ids.add(id as number);
  }
  return [...ids];
}

/**
 * Token ids a chat generation stops at: the tokenizer's EOS, the configured eos ids, and each
 * end-of-turn marker of the template that is a single special token of the tokenizer.
 */
export function chatStopTokens(
  tokenizer: { eosId: number | undefined; specialId(content: string): number | undefined },
  template: ChatTemplate | null,
  configuredIds: number[] = [],
): number[] {
  const ids = new Set<number>(configuredIds);
  if (tokenizer.eosId !== undefined) ids.add(tokenizer.eosId);
  for (const marker of template?.endOfTurnMarkers() ?? []) {
    const id = tokenizer.specialId(marker);
    if (id !== undefined) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}
