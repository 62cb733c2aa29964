// Public surface of the tokenizer: import from here rather than from the individual files.
export { Tokenizer, GGUF_TOKEN_TYPE, describeTokenizer } from './tokenizer.ts';
export type {
  Pipeline,
  TokenizerSpec,
  SpecialToken,
  SpecialRoles,
  EncodeOptions,
  TokenType,
  MergeRule,
} from './tokenizer.ts';
export { ChunkCounter, trainBpe, DEFAULT_SPECIALS } from './train.ts';
export type { TrainOptions, TrainResult } from './train.ts';
export { readCorpus } from './corpus.ts';
export type { CorpusStats } from './corpus.ts';
export { toHuggingFaceJson, fromHuggingFaceJson } from './hf-json.ts';
export type { HuggingFaceTokenizerJson, FromHuggingFaceOptions } from './hf-json.ts';
export {
  parseTiktokenRankFile,
  parseJsTiktokenRanks,
  parseJsTiktokenModule,
  fromJsTiktokenObject,
  tokenizerFromTiktoken,
} from './tiktoken.ts';
export type { TiktokenData } from './tiktoken.ts';
export { loadTokenizer, saveTokenizer } from './files.ts';
export { GPT4_SPLIT_PATTERN, GPT2_SPLIT_PATTERN, QWEN2_SPLIT_PATTERN, compileSplitPattern } from './pattern.ts';
export { tokenizerFromGguf, tokenizerToGguf } from './gguf.ts';
export { bytesToTokenString, tokenStringToBytes } from './byte-level.ts';
