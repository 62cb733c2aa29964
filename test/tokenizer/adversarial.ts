// Adversarial strings for tokenizer parity: mixed scripts, emoji and ZWJ sequences, control
// characters, long whitespace runs, digits of several scripts, CRLF, unpaired surrogates, special
// token strings inside text, ▁ already in the text, leading spaces, composed and decomposed forms.
import { VARIED_TEXT } from './helpers.ts';

export const ADVERSARIAL_TEXTS: string[] = [
  ...VARIED_TEXT.split('\n'),
  'Ελληνικά and русский and 日本語 mixed: abcΑΒΓабв中文',
  '👨‍👩‍👧‍👦👩🏽‍💻🏳️‍🌈 ZWJ\u200d joined\u200dword and ZWNJ\u200c',
  'control \u0000\u0001\u0007\u001b[31m\u007f\u0085\u2028\u2029 chars',
  ' '.repeat(70) + 'x' + '\t'.repeat(20) + '\n'.repeat(15) + '   ',
  '0123456789 99999999999 3.14159e-10 ٠١٢٣ ⅣⅫ ½¾ ²³',
  'line one\r\nline two\r\n\r\n\rend\r',
  'lone surrogates: \ud800 and \udfff and \udbff\udbff reversed \udc00\ud800',
  'special <s> inside</s> text <|endoftext|><|im_start|>user\nhi<|im_end|> <start_of_turn>model\t\t<end_of_turn>',
  '▁already▁metaspace ▁ ▁▁',
  ' leading space',
  '  two leading',
  '',
  ' ',
  '\t\t\ttabs',
  'é' + 'e\u0301' + 'Å' + 'A\u030a' + 'ﬁ ligature Ⅻ',
];
