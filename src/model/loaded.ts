// What loading a model gives: the model, its tokenizer when the files carry one, and the
// BOS/EOS ids the checkpoint names. Shared by the Hugging Face and GGUF loaders.
import type { Tokenizer } from '../tokenizer/index.ts';
import type { LlamaModel } from './llama.ts';

export interface LoadedModel {
  dir: string;
  model: LlamaModel;
  tokenizer: Tokenizer | null;
  bosTokenId?: number;
  eosTokenId?: number;
}
