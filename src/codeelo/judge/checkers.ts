// The standard checkers with testlib's semantics, in TypeScript: tokens (wcmp), lines, exact,
// ints (ncmp), float with absolute-or-relative error (rcmp4/6/9), yes/no (nyesno), and the
// rest of testlib's standard set: one int (icmp), one YES/NO (yesno), one double (dcmp), a huge
// integer (hcmp), unordered ints (uncmp), lines as token lists (lcmp), exact lines (fcmp). The
// token checkers scan the text in place (no token arrays), so a 64 MB output costs one pass.
// Deliberately not here: custom checkers (external.ts run compiled C++ in the sandbox).

export type CheckerVerdict = 'AC' | 'WA' | 'PE' | 'FAIL';
export interface CheckResult {
  verdict: CheckerVerdict;
  message: string;
}
export type BuiltinChecker =
  | { type: 'tokens' }
  | { type: 'lines' }
  | { type: 'exact' }
  | { type: 'ints' }
  | { type: 'yesno' }
  | { type: 'float'; eps: number }
  | { type: 'single-int' }
  | { type: 'single-yesno' }
  | { type: 'single-float'; eps: number }
  | { type: 'huge-int' }
  | { type: 'unordered-ints' }
  | { type: 'line-tokens' }
  | { type: 'exact-lines' };

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9 || code === 11 || code === 12;
}

/** Whitespace-separated tokens of a string, read one by one without splitting it. */
class TokenReader {
  private pos = 0;
  count = 0;
  constructor(private readonly text: string) {}

  next(): string | null {
    const t = this.text;
    let i = this.pos;
    while (i < t.length && isSpace(t.charCodeAt(i))) i++;
    if (i >= t.length) {
      this.pos = i;
      return null;
    }
    const start = i;
    while (i < t.length && !isSpace(t.charCodeAt(i))) i++;
    this.pos = i;
    this.count++;
    return t.slice(start, i);
  }
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function clip(token: string): string {
  return token.length > 40 ? `${token.slice(0, 37)}...` : token;
}

const ok = (message: string): CheckResult => ({ verdict: 'AC', message });
const wa = (message: string): CheckResult => ({ verdict: 'WA', message });
const pe = (message: string): CheckResult => ({ verdict: 'PE', message });
const fail = (message: string): CheckResult => ({ verdict: 'FAIL', message });

/**
 * Walks answer and output token by token. `compare` returns null when the pair matches, or a
 * result to stop with. Missing or extra tokens are WA, as in testlib's wcmp.
 */
function compareTokens(
  output: string,
  answer: string,
  what: string,
  compare: (out: string, ans: string, index: number) => CheckResult | null,
): CheckResult {
  const out = new TokenReader(output);
  const ans = new TokenReader(answer);
  for (;;) {
    const a = ans.next();
    const o = out.next();
    if (a === null && o === null) return ok(`${ans.count} ${what}`);
    if (a === null) return wa(`output has extra data after ${ans.count} ${what}: '${clip(o!)}'`);
    if (o === null) return wa(`answer has more ${what}: expected ${ans.count}, got ${out.count}`);
    const verdict = compare(o, a, ans.count);
    if (verdict) return verdict;
  }
}

export function checkTokens(output: string, answer: string): CheckResult {
  return compareTokens(output, answer, 'tokens', (o, a, i) =>
    o === a ? null : wa(`${ordinal(i)} token differs: expected '${clip(a)}', found '${clip(o)}'`),
  );
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

export function checkInts(output: string, answer: string): CheckResult {
  return compareTokens(output, answer, 'integers', (o, a, i) => {
    if (!INTEGER.test(a)) return fail(`answer's ${ordinal(i)} token is not an integer: '${clip(a)}'`);
    // testlib's readLong refuses "-0", leading zeros and anything that is not an integer: PE.
    if (!INTEGER.test(o) || o === '-0') return pe(`expected an integer as ${ordinal(i)} token, found '${clip(o)}'`);
    return BigInt(o) === BigInt(a) ? null : wa(`${ordinal(i)} integer differs: expected ${clip(a)}, found ${clip(o)}`);
  });
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** testlib's doubleCompare: absolute OR relative error within eps (with its 1e-15 slack). */
export function doublesMatch(expected: number, result: number, eps: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(result);
  if (!Number.isFinite(expected)) return expected === result;
  if (!Number.isFinite(result)) return false;
  if (Math.abs(result - expected) <= eps + 1e-15) return true;
  const lo = Math.min(expected * (1 - eps), expected * (1 + eps));
  const hi = Math.max(expected * (1 - eps), expected * (1 + eps));
  return result + 1e-15 >= lo && result <= hi + 1e-15;
}

export function checkFloat(output: string, answer: string, eps: number): CheckResult {
  return compareTokens(output, answer, 'numbers', (o, a, i) => {
    if (!DECIMAL.test(a)) return fail(`answer's ${ordinal(i)} token is not a number: '${clip(a)}'`);
    // nan, inf, hex floats and the like are not numbers to testlib's readDouble: PE.
    if (!DECIMAL.test(o)) return pe(`expected a number as ${ordinal(i)} token, found '${clip(o)}'`);
    const expected = Number(a);
    const found = Number(o);
    return doublesMatch(expected, found, eps)
      ? null
      : wa(`${ordinal(i)} number differs: expected ${clip(a)}, found ${clip(o)} (error above ${eps})`);
  });
}

export function checkYesNo(output: string, answer: string): CheckResult {
  return compareTokens(output, answer, 'answers', (o, a, i) => {
    const want = a.toUpperCase();
    if (want !== 'YES' && want !== 'NO') return fail(`answer's ${ordinal(i)} token is not YES/NO: '${clip(a)}'`);
    const got = o.toUpperCase();
    if (got !== 'YES' && got !== 'NO') return pe(`YES or NO expected as ${ordinal(i)} token, found '${clip(o)}'`);
    return got === want ? null : wa(`${ordinal(i)} answer differs: expected ${want}, found ${got}`);
  });
}

/** Lines with trailing whitespace removed; trailing empty lines at the end do not count. */
function significantLines(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/[ \t\r\v\f]+$/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function checkLines(output: string, answer: string): CheckResult {
  const out = significantLines(output);
  const ans = significantLines(answer);
  const n = Math.min(out.length, ans.length);
  for (let i = 0; i < n; i++) {
    if (out[i] !== ans[i])
      return formattingOrWrong(
        output,
        answer,
        `line ${i + 1} differs: expected '${clip(ans[i])}', found '${clip(out[i])}'`,
      );
  }
  if (out.length !== ans.length) {
    return formattingOrWrong(output, answer, `expected ${ans.length} lines, found ${out.length}`);
  }
  return ok(`${ans.length} lines`);
}

/** Same tokens laid out differently is a presentation error; anything else is wrong. */
function formattingOrWrong(output: string, answer: string, message: string): CheckResult {
  return checkTokens(output, answer).verdict === 'AC' ? pe(`${message} (same tokens, different layout)`) : wa(message);
}

export function checkExact(output: string, answer: string): CheckResult {
  if (output === answer) return ok('exact match');
  let i = 0;
  while (i < output.length && i < answer.length && output[i] === answer[i]) i++;
  return wa(`output differs from the answer at byte ${i} (expected ${answer.length} bytes, found ${output.length})`);
}

export function runBuiltinChecker(checker: BuiltinChecker, output: string, answer: string): CheckResult {
  switch (checker.type) {
    case 'tokens':
      return checkTokens(output, answer);
    case 'lines':
      return checkLines(output, answer);
    case 'exact':
      return checkExact(output, answer);
    case 'ints':
      return checkInts(output, answer);
    case 'yesno':
      return checkYesNo(output, answer);
    case 'float':
      return checkFloat(output, answer, checker.eps);
    case 'single-int':
      return checkSingle(
        output,
        answer,
        'an integer',
        (t) => INTEGER.test(t) && t !== '-0' && Math.abs(Number(t)) <= 2 ** 31,
        (o, a) => BigInt(o) === BigInt(a),
      );
    case 'single-yesno':
      return checkSingle(
        output,
        answer,
        'YES or NO',
        (t) => /^(yes|no)$/i.test(t),
        (o, a) => o.toUpperCase() === a.toUpperCase(),
      );
    case 'single-float':
      return checkSingle(
        output,
        answer,
        'a number',
        (t) => DECIMAL.test(t),
        (o, a) => doublesMatch(Number(a), Number(o), checker.eps),
      );
    case 'huge-int':
      return checkSingle(
        output,
        answer,
        'an integer',
        (t) => INTEGER.test(t),
        (o, a) => o === a,
        true,
      );
    case 'unordered-ints':
      return checkUnorderedInts(output, answer);
    case 'line-tokens':
      return checkLineWise(output, answer, (o, a) => {
        const ot = o.split(/[ \t\r\v\f]+/).filter(Boolean);
        const at = a.split(/[ \t\r\v\f]+/).filter(Boolean);
        return ot.length === at.length && ot.every((t, i) => t === at[i]);
      });
    case 'exact-lines':
      return checkLineWise(output, answer, (o, a) => o === a);
  }
}

/** Whether only whitespace is left (testlib's seekEof). */
function restIsBlank(reader: TokenReader): boolean {
  return reader.next() === null;
}

/**
 * One value each (icmp, yesno, dcmp, hcmp): the first token of answer and output, then testlib's
 * "extra information in the output file" (PE) when the output holds anything more.
 */
function checkSingle(
  output: string,
  answer: string,
  what: string,
  valid: (t: string) => boolean,
  same: (out: string, ans: string) => boolean,
  answerAlone = false,
): CheckResult {
  const ans = new TokenReader(answer);
  const out = new TokenReader(output);
  const a = ans.next();
  if (a === null || !valid(a)) return fail(`answer: ${what} expected, found '${clip(a ?? 'EOF')}'`);
  if (answerAlone && !restIsBlank(ans)) return fail('expected exactly one token in the answer file');
  const o = out.next();
  if (o === null) return pe(`unexpected end of file: ${what} expected`);
  if (!valid(o)) return pe(`${what} expected, found '${clip(o)}'`);
  if (!same(o, a)) return wa(`expected '${clip(a)}', found '${clip(o)}'`);
  if (!restIsBlank(out)) return pe('extra information in the output file');
  return ok(`answer is '${clip(a)}'`);
}

/** uncmp: the same multiset of 64-bit integers, in any order. */
function checkUnorderedInts(output: string, answer: string): CheckResult {
  const read = (text: string, isAnswer: boolean): bigint[] | CheckResult => {
    const reader = new TokenReader(text);
    const values: bigint[] = [];
    for (let t = reader.next(); t !== null; t = reader.next()) {
      if (!INTEGER.test(t) || t === '-0' || BigInt(t) >= 2n ** 63n || BigInt(t) < -(2n ** 63n)) {
        return isAnswer
          ? fail(`answer holds a non-integer '${clip(t)}'`)
          : pe(`expected an integer, found '${clip(t)}'`);
      }
      values.push(BigInt(t));
    }
    return values.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  };
  const a = read(answer, true);
  if (!Array.isArray(a)) return a;
  const o = read(output, false);
  if (!Array.isArray(o)) return o;
  if (a.length !== o.length) return wa(`expected ${a.length} elements, but ${o.length} found`);
  return a.every((v, i) => v === o[i])
    ? ok(`${a.length} numbers`)
    : wa(`expected sequence and output are different (as unordered sequences) [size=${a.length}]`);
}

/** testlib's lines: split at '\n', a '\r' before it dropped; the empty piece after a final newline is not a line. */
function testlibLines(text: string): string[] {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  // The piece after the final newline, then one empty last line (lcmp/fcmp stop at an empty line that ends the file).
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * lcmp/fcmp: every answer line against the output line at the same place (a missing output
 * line is PE, as testlib's unexpected end of file); output lines beyond are PE unless blank.
 */
function checkLineWise(output: string, answer: string, same: (out: string, ans: string) => boolean): CheckResult {
  const ans = testlibLines(answer);
  const out = testlibLines(output);
  for (let i = 0; i < ans.length; i++) {
    if (i >= out.length) return pe(`unexpected end of file: line ${i + 1} expected`);
    if (!same(out[i], ans[i]))
      return wa(`${ordinal(i + 1)} lines differ - expected: '${clip(ans[i])}', found: '${clip(out[i])}'`);
  }
  if (out.slice(ans.length).some((l) => l.trim() !== '')) return pe('extra information in the output file');
  return ok(ans.length === 1 ? `single line: '${clip(ans[0])}'` : `${ans.length} lines`);
}
