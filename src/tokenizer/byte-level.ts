// The GPT-2 byte-to-unicode table that byte-level BPE files (tokenizer.json, GGUF vocabularies)
// use to write arbitrary bytes as printable strings: printable Latin-1 bytes stand for
// themselves, the other 68 bytes are shifted to U+0100 and up. This module only converts
// between token bytes and those strings; it knows nothing about vocabularies or merges.

const byteToChar: string[] = new Array(256);
const charToByte = new Map<string, number>();

(function buildTables(): void {
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const code = printable ? b : 256 + shifted++;
    byteToChar[b] = String.fromCharCode(code);
    charToByte.set(byteToChar[b], b);
  }
})();

/** Writes token bytes the way tokenizer.json and GGUF store them (e.g. " the" → "Ġthe"). */
export function bytesToTokenString(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += byteToChar[bytes[i]];
  return out;
}

/** Inverse of bytesToTokenString; undefined when a character is outside the 256-entry table. */
export function tokenStringToBytes(text: string): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = charToByte.get(text[i]);
    if (b === undefined) return undefined;
    out[i] = b;
  }
  return out;
}

/** A byte string as a JS string of code units 0..255: a cheap, exact Map key for byte strings. */
export function bytesToKey(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let key = '';
  for (let i = start; i < end; i++) key += String.fromCharCode(bytes[i]);
  return key;
}
