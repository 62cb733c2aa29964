// Chooses how to pre-split for a pattern: the hand-written GPT-4 scanner when the pattern is
// exactly the GPT-4 one, the RegExp engine otherwise. tiktoken's newer possessive spelling of
// the GPT-4 pattern is not treated as the same: it splits trailing "\n  " differently.
import { Gpt4Splitter } from './gpt4-split.ts';
import { GPT4_SPLIT_PATTERN, RegexSplitter, type Splitter } from './pattern.ts';

export function createSplitter(pattern: string, options: { forceRegex?: boolean } = {}): Splitter {
  if (!options.forceRegex && pattern === GPT4_SPLIT_PATTERN) return new Gpt4Splitter();
  return new RegexSplitter(pattern);
}
