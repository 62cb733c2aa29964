// The standard checkers with testlib's semantics, in TypeScript: tokens (wcmp), lines, exact,
// ints, float with absolute-or-relative error (rcmp4/6/9) and yes/no. They scan the text in
// place (no token arrays), so a 64 MB output costs no more than one pass.
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
  | { type: 'float'; eps: number };

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
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
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
function compareTokens(output: string, answer: string, what: string,
  compare: (out: string, ans: string, index: number) => CheckResult | null): CheckResult {
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
    o === a ? null : wa(`${ordinal(i)} token differs: expected '${clip(a)}', found '${clip(o)}'`));
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
    return doublesMatch(expected, found, eps) ? null
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
    if (out[i] !== ans[i]) return formattingOrWrong(output, answer, `line ${i + 1} differs: expected '${clip(ans[i])}', found '${clip(out[i])}'`);
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
    case 'tokens': return checkTokens(output, answer);
    case 'lines': return checkLines(output, answer);
    case 'exact': return checkExact(output, answer);
    case 'ints': return checkInts(output, answer);
    case 'yesno': return checkYesNo(output, answer);
    case 'float': return checkFloat(output, answer, checker.eps);
  }
}
