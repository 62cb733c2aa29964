// The published chat templates of Llama 3.1 / 3.2 Instruct, Qwen2.5 Instruct, Mistral Instruct
// v0.3 and Gemma 2 / 3 (fixtures/*.jinja, the chat_template strings of their tokenizer_config.json)
// give the prompts those families expect for system/user/assistant turns with
// add_generation_prompt; raise_exception becomes a ChatTemplateError; strftime_now reads the
// clock; the list-of-named-templates form, AddedToken objects and the stop-token set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ChatTemplate,
  ChatTemplateError,
  chatStopTokens,
  strftime,
  type ChatMessage,
} from '../../src/tokenizer/chat-template.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.jinja`, import.meta.url), 'utf8');

const SYSTEM: ChatMessage = { role: 'system', content: 'You are terse.' };
const TURNS: ChatMessage[] = [
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: '2+2?' },
];
const december4 = () => new Date(2026, 11, 4, 15, 30, 0);

test('Llama 3.1 Instruct: fixed date header, system, turns, generation prompt', () => {
  const t = new ChatTemplate(fixture('llama-3.1-instruct'), { bosToken: '<|begin_of_text|>', eosToken: '<|eot_id|>' });
  assert.equal(
    t.render([SYSTEM, ...TURNS]),
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' +
      'You are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n2+2?<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n',
  );
  // without a system message the header is still there, with an empty system text; no generation prompt
  assert.equal(
    t.render([TURNS[0]], { addGenerationPrompt: false }),
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' +
      '<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>',
  );
  assert.deepEqual(t.endOfTurnMarkers(), ['<|eot_id|>', '<|eom_id|>']);
});

test("Llama 3.2 Instruct: today's date through strftime_now", () => {
  const t = new ChatTemplate(
    fixture('llama-3.2-instruct'),
    { bosToken: '<|begin_of_text|>', eosToken: '<|eot_id|>' },
    december4,
  );
  assert.equal(
    t.render([SYSTEM, TURNS[0]]),
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 04 Dec 2026\n\n' +
      'You are terse.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
  );
  // a date given by the caller wins over the clock
  assert.match(t.render([TURNS[0]], { variables: { date_string: '01 Jan 2025' } }), /Today Date: 01 Jan 2025\n/);
});

test('Qwen2.5 Instruct: ChatML with its default system prompt', () => {
  const t = new ChatTemplate(fixture('qwen2.5-instruct'), { eosToken: '<|im_end|>' });
  assert.equal(
    t.render([SYSTEM, ...TURNS]),
    '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n' +
      '<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.equal(
    t.render([TURNS[0]]),
    '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n',
  );
  assert.deepEqual(t.endOfTurnMarkers(), ['<|im_end|>']);
});

test('Mistral Instruct v0.3: [INST] turns, the system text before the last user message, EOS after answers', () => {
  const t = new ChatTemplate(fixture('mistral-v0.3-instruct'), { bosToken: '<s>', eosToken: '</s>' });
  assert.equal(t.render([SYSTEM, ...TURNS]), '<s>[INST] Hi[/INST] Hello!</s>[INST] You are terse.\n\n2+2?[/INST]');
  assert.equal(t.render([TURNS[0]]), '<s>[INST] Hi[/INST]');
  assert.throws(
    () => t.render([TURNS[0], TURNS[0]]),
    (e: unknown) => e instanceof ChatTemplateError && /must alternate user\/assistant/.test((e as Error).message),
  );
  assert.deepEqual(t.endOfTurnMarkers(), ['</s>']);
});

test('Gemma 2: <start_of_turn>/<end_of_turn>, model role, no system role', () => {
  const t = new ChatTemplate(fixture('gemma-2-it'), { bosToken: '<bos>', eosToken: '<eos>' });
  assert.equal(
    t.render(TURNS),
    '<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n',
  );
  assert.throws(
    () => t.render([SYSTEM, ...TURNS]),
    (e: unknown) => e instanceof ChatTemplateError && /System role not supported/.test((e as Error).message),
  );
  assert.deepEqual(t.endOfTurnMarkers(), ['<end_of_turn>']);
});

test('Gemma 3: the system text prefixes the first user turn; text parts are joined', () => {
  const t = new ChatTemplate(fixture('gemma-3-it'), { bosToken: '<bos>', eosToken: '<eos>' });
  assert.equal(
    t.render([SYSTEM, ...TURNS]),
    '<bos><start_of_turn>user\nYou are terse.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello!<end_of_turn>\n<start_of_turn>user\n2+2?<end_of_turn>\n<start_of_turn>model\n',
  );
  assert.equal(
    t.render([{ role: 'user', content: [{ type: 'text', text: ' Hi ' }] }], { addGenerationPrompt: false }),
    '<bos><start_of_turn>user\nHi<end_of_turn>\n',
  );
});

test('tokenizer_config.json forms: string, named list, AddedToken objects, none', () => {
  const source = '{{ bos_token }}{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}';
  const t = ChatTemplate.fromTokenizerConfig(
    { chat_template: source, bos_token: { content: '<s>', lstrip: false }, eos_token: '</s>' },
    'cfg',
  );
  assert.equal(t?.render([{ role: 'user', content: 'a' }]), '<s>a</s>');
  const listed = {
    chat_template: [
      { name: 'default', template: 'D{{ messages|length }}' },
      { name: 'tool_use', template: 'T{{ tools|length }}' },
    ],
  };
  assert.equal(ChatTemplate.fromTokenizerConfig(listed, 'cfg')?.render(TURNS), 'D3');
  assert.equal(
    ChatTemplate.fromTokenizerConfig(listed, 'cfg', { tools: true })?.render(TURNS, { tools: [1, 2] }),
    'T2',
  );
  assert.throws(
    () => ChatTemplate.fromTokenizerConfig(listed, 'cfg', { name: 'rag' }),
    /no chat template named "rag" \(have: default, tool_use\)/,
  );
  assert.equal(ChatTemplate.fromTokenizerConfig({ bos_token: '<s>' }, 'cfg'), null);
  assert.throws(() => ChatTemplate.fromTokenizerConfig({ chat_template: 42 }, 'cfg'), /must be a string or a list/);
  assert.throws(() => new ChatTemplate('{% if %}'), /does not parse/);
});

test('strftime covers the directives templates use', () => {
  const d = new Date(2024, 6, 5, 9, 7, 3);
  assert.equal(strftime(d, '%d %b %Y'), '05 Jul 2024');
  assert.equal(strftime(d, '%A %B %e, %H:%M:%S %y %m %% %a'), 'Friday July  5, 09:07:03 24 07 % Fri');
});

test('stop tokens: EOS, configured eos ids and end-of-turn markers that are special tokens', () => {
  const specials = new Map([
    ['<|im_end|>', 7],
    ['<|eot_id|>', 9],
  ]);
  const tk = { eosId: 2, specialId: (s: string) => specials.get(s) };
  const qwen = new ChatTemplate(fixture('qwen2.5-instruct'), { eosToken: '<|im_end|>' });
  assert.deepEqual(chatStopTokens(tk, qwen, [11]), [2, 7, 11]);
  assert.deepEqual(chatStopTokens(tk, null), [2]);
  const llama = new ChatTemplate(fixture('llama-3.1-instruct'), {});
  assert.deepEqual(chatStopTokens({ eosId: undefined, specialId: tk.specialId }, llama), [9]);
});
