// The generation prompt and the code extraction rule of the CodeElo paper: one user message
// asking a competitive-programming expert to reason first and then give the whole solution in
// one fenced block (C++ forced by default; `--lang any` lets the model choose), and the
// extraction of the FIRST fenced block with its language tag (empty tag = C++).
// It does not talk to models or judges.

export type LanguagePolicy = 'cpp' | 'any';

export interface StatementParts {
  title: string;
  description: string;
  input?: string;
  output?: string;
  interaction?: string;
  examples: { input: string; output: string }[];
  note?: string;
  timeLimitMs?: number;
  memoryLimitMb?: number;
}

export const PROMPT_VERSION = 'codeelo-paper-v1';

function instruction(lang: LanguagePolicy): string {
  const language = lang === 'cpp' ? 'C++' : 'a programming language of your choice (C++, C, Python or JavaScript)';
  return (
    'You are a coding expert. Given a competition-level coding problem, you need to write a program ' +
    `in ${language} to solve it. You may start by outlining your thought process. In the end, please ` +
    'provide the complete code in a code block enclosed with ``` ```. The code should take stdin as ' +
    'input and print the output.' +
    (lang === 'any' ? ' Tag the code block with its language.' : '')
  );
}

/** The statement rendered with its sections, in the order the paper's prompt uses. */
export function renderStatement(s: StatementParts): string {
  const parts: string[] = [`# ${s.title}`];
  if (s.timeLimitMs !== undefined || s.memoryLimitMb !== undefined) {
    const limits: string[] = [];
    if (s.timeLimitMs !== undefined) limits.push(`Time limit per test: ${s.timeLimitMs} ms`);
    if (s.memoryLimitMb !== undefined) limits.push(`Memory limit: ${s.memoryLimitMb} MB`);
    parts.push(limits.join('\n'));
  }
  parts.push(`## Description\n\n${s.description.trim()}`);
  if (s.input) parts.push(`## Input\n\n${s.input.trim()}`);
  if (s.interaction) parts.push(`## Interaction\n\n${s.interaction.trim()}`);
  else if (s.output) parts.push(`## Output\n\n${s.output.trim()}`);
  if (s.examples.length) {
    const blocks = s.examples.map(
      (e, i) =>
        `### Example ${i + 1}\n\nInput:\n\`\`\`\n${e.input.trimEnd()}\n\`\`\`\n\nOutput:\n\`\`\`\n${e.output.trimEnd()}\n\`\`\``,
    );
    parts.push(`## Examples\n\n${blocks.join('\n\n')}`);
  }
  if (s.note) parts.push(`## Note\n\n${s.note.trim()}`);
  return parts.join('\n\n');
}

export function buildPrompt(statement: StatementParts, lang: LanguagePolicy): string {
  return `${instruction(lang)}\n\n${renderStatement(statement)}`;
}

export interface Extracted {
  code: string;
  /** Judge language id (cpp, c, py, js) or null when the tag names nothing the judge runs. */
  lang: string | null;
  tag: string;
}

const TAG_TO_LANGUAGE: Record<string, string> = {
  '': 'cpp',
  'c++': 'cpp',
  cpp: 'cpp',
  cc: 'cpp',
  cxx: 'cpp',
  'c++17': 'cpp',
  'c++20': 'cpp',
  'c++23': 'cpp',
  c: 'c',
  python: 'py',
  python3: 'py',
  py: 'py',
  py3: 'py',
  javascript: 'js',
  js: 'js',
  node: 'js',
};

/**
 * The first fenced block of the answer, or null ("No code"). A fence is a line starting with
 * three or more backticks; the block ends at the next line holding a fence at least as long,
 * or at the end of the answer (a truncated generation still yields its code).
 */
export function extractCode(answer: string): Extracted | null {
  const lines = answer.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*(`{3,})\s*([^\s`]*)[^`]*$/.exec(lines[i]);
    if (!open) continue;
    const fence = open[1];
    const tag = open[2].toLowerCase();
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const close = /^\s*(`{3,})\s*$/.exec(lines[j]);
      if (close && close[1].length >= fence.length) break;
      body.push(lines[j]);
    }
    return { code: body.join('\n').replace(/\n*$/, '\n'), lang: TAG_TO_LANGUAGE[tag] ?? null, tag };
  }
  return null;
}
