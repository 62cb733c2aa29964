// UTF-8 helpers: strict validation that reports where the first bad byte is (the built-in
// decoders only say "invalid"), and a decoder that keeps a leading U+FEFF (TextDecoder drops
// it by default, which would break decode(encode(x)) == x). No transcoding of other encodings.
import { LmlabError } from '../util/errors.ts';

/** Byte offset of the first invalid UTF-8 sequence in bytes[0..end), or -1 when all valid.
 * A sequence cut short by `end` counts as valid when allowTruncatedTail is set (streaming). */
export function findInvalidUtf8(bytes: Uint8Array, end = bytes.length, allowTruncatedTail = false): number {
  let i = 0;
  while (i < end) {
    const b0 = bytes[i];
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      // Overlong forms start E0 80..9F; surrogates are ED A0..BF.
      min = b0 === 0xe0 ? 0xa0 : 0x80;
      if (b0 === 0xed) max = 0x9f;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      min = b0 === 0xf0 ? 0x90 : 0x80;
      if (b0 === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      if (i + k >= end) return allowTruncatedTail ? -1 : i;
      const b = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (b < lo || b > hi) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** Length of the longest prefix of bytes[0..end) that does not end inside a UTF-8 sequence. */
export function completeUtf8Prefix(bytes: Uint8Array, end: number): number {
  // Walk back over at most 3 continuation bytes to the lead byte of the last sequence.
  let lead = end - 1;
  while (lead >= 0 && lead > end - 4 && (bytes[lead] & 0xc0) === 0x80) lead--;
  if (lead < 0) return end;
  const b0 = bytes[lead];
  const length = b0 < 0x80 ? 1 : b0 >= 0xf0 ? 4 : b0 >= 0xe0 ? 3 : b0 >= 0xc0 ? 2 : 1;
  return lead + length > end ? lead : end;
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes bytes as UTF-8, invalid sequences becoming U+FFFD, keeping any leading BOM. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** The one error for text that is not UTF-8, naming where it came from and the first bad byte. */
export function notUtf8Error(what: string, offset: number): LmlabError {
  return new LmlabError(`${what} is not valid UTF-8 (first bad byte at offset ${offset})`);
}

/**
 * The one rule for text from outside (files, prompts, arguments, standard input): it must be
 * valid UTF-8, else an LmlabError naming `what` and the offset. A leading BOM is kept.
 */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  const bad = findInvalidUtf8(bytes);
  if (bad >= 0) throw notUtf8Error(what, bad);
  return decoder.decode(bytes);
}
