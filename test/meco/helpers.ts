// Shared fixtures for the MeCo tests: a small BPE tokenizer (with BOS/EOS) trained once.
import { ChunkCounter, trainBpe, type Tokenizer } from '../../src/tokenizer/index.ts';

export const SAMPLE_TEXT = [
  'The Congress shall have power to lay and collect taxes, duties, imposts and excises.',
  'From the networking subsystem: sockets, buffers and the routing table.',
  'Call me Ishmael. Some years ago, never mind how long precisely, I went to sea.',
  'URL: www.example.com and other addresses appear in documents too.',
].join('\n\n');

let cached: Tokenizer | undefined;

export function testTokenizer(): Tokenizer {
  if (!cached) {
    const counter = new ChunkCounter();
    for (let i = 0; i < 20; i++) counter.add(SAMPLE_TEXT);
    cached = trainBpe(counter, { vocabSize: 400 }).tokenizer;
  }
  return cached;
}
