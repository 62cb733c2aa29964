// Built-in checkers against testlib's semantics: token/line/exact/int/float/yes-no comparison,
// with the edge cases that decide AC, WA and PE.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkExact,
  checkFloat,
  checkInts,
  checkLines,
  checkTokens,
  checkYesNo,
  doublesMatch,
  runBuiltinChecker,
} from '../../../src/codeelo/judge/checkers.ts';
import { testlibResult } from '../../../src/codeelo/judge/external.ts';

const verdict = (r: { verdict: string }): string => r.verdict;

test('tokens: whitespace layout does not matter, content does', () => {
  assert.equal(verdict(checkTokens('1 2\n3\n', '1\n2 3')), 'AC');
  assert.equal(verdict(checkTokens('  1\t2  3  \n\n\n', '1 2 3\n')), 'AC');
  assert.equal(verdict(checkTokens('1 2 4', '1 2 3')), 'WA');
  assert.equal(verdict(checkTokens('', '')), 'AC');
  assert.equal(verdict(checkTokens('\n \n', '')), 'AC');
});

test('tokens: missing and extra tokens are WA (testlib wcmp)', () => {
  const missing = checkTokens('1 2', '1 2 3');
  assert.equal(missing.verdict, 'WA');
  assert.match(missing.message, /expected 3, got 2/);
  const extra = checkTokens('1 2 3 4', '1 2 3');
  assert.equal(extra.verdict, 'WA');
  assert.match(extra.message, /extra data/);
  assert.equal(verdict(checkTokens('', '1')), 'WA');
  assert.equal(verdict(checkTokens('abc', 'ABC')), 'WA', 'tokens are case-sensitive');
});

test('lines: trailing whitespace and trailing blank lines are ignored, layout is not', () => {
  assert.equal(verdict(checkLines('a b  \r\nc\t\n\n\n', 'a b\nc\n')), 'AC');
  assert.equal(verdict(checkLines('a b\nc', 'a b\nc\n')), 'AC');
  assert.equal(verdict(checkLines('a  b\nc\n', 'a b\nc\n')), 'PE', 'same tokens, different spacing inside a line');
  assert.equal(verdict(checkLines('a b c\n', 'a b\nc\n')), 'PE', 'same tokens, different line breaks');
  assert.equal(verdict(checkLines(' a b\nc\n', 'a b\nc\n')), 'PE', 'leading whitespace counts');
  assert.equal(verdict(checkLines('a b\nd\n', 'a b\nc\n')), 'WA');
  assert.equal(verdict(checkLines('a b\n', 'a b\nc\n')), 'WA');
});

test('exact: byte for byte', () => {
  assert.equal(verdict(checkExact('x\n', 'x\n')), 'AC');
  assert.equal(verdict(checkExact('x', 'x\n')), 'WA');
  assert.equal(verdict(checkExact('x \n', 'x\n')), 'WA');
  assert.match(checkExact('abcd', 'abXd').message, /byte 2/);
});

test('ints: integers compared exactly, beyond 2^53 too', () => {
  assert.equal(verdict(checkInts('1 -2\n3', '1 -2 3')), 'AC');
  assert.equal(verdict(checkInts('9223372036854775807', '9223372036854775807')), 'AC');
  assert.equal(verdict(checkInts('9223372036854775806', '9223372036854775807')), 'WA');
  assert.equal(verdict(checkInts('1 2', '1 2 3')), 'WA');
  assert.equal(verdict(checkInts('1 2 3 4', '1 2 3')), 'WA');
});

test('ints: a token that is not an integer is PE, as testlib readLong', () => {
  assert.equal(verdict(checkInts('1.0', '1')), 'PE');
  assert.equal(verdict(checkInts('abc', '1')), 'PE');
  assert.equal(verdict(checkInts('01', '1')), 'PE');
  assert.equal(verdict(checkInts('-0', '0')), 'PE');
  assert.equal(verdict(checkInts('+1', '1')), 'PE');
  assert.equal(verdict(checkInts('1', 'x')), 'FAIL', "a bad answer file is the jury's fault");
});

test('float: absolute or relative error within eps', () => {
  assert.equal(verdict(checkFloat('0.3333334', '0.333333333', 1e-6)), 'AC');
  assert.equal(verdict(checkFloat('0.33334', '0.333333333', 1e-6)), 'WA');
  assert.equal(verdict(checkFloat('0.33334', '0.333333333', 1e-4)), 'AC');
  // relative: 1e9 with 1e-6 relative error allows 1000 off
  assert.equal(verdict(checkFloat('1000000999', '1e9', 1e-6)), 'AC');
  assert.equal(verdict(checkFloat('1000001001', '1e9', 1e-6)), 'WA');
  assert.equal(verdict(checkFloat('1.0000000001', '1', 1e-9)), 'AC');
  assert.equal(verdict(checkFloat('1.00000001', '1', 1e-9)), 'WA');
  assert.equal(verdict(checkFloat('-2.5e0 3', '-2.5 3.0', 1e-9)), 'AC');
  assert.equal(verdict(checkFloat('.5 5.', '0.5 5', 1e-9)), 'AC');
});

test('float: nan and inf in the output are PE, overflow to infinity is WA', () => {
  assert.equal(verdict(checkFloat('nan', '1', 1e-6)), 'PE');
  assert.equal(verdict(checkFloat('NaN', '1', 1e-6)), 'PE');
  assert.equal(verdict(checkFloat('inf', '1', 1e-6)), 'PE');
  assert.equal(verdict(checkFloat('-Infinity', '1', 1e-6)), 'PE');
  assert.equal(verdict(checkFloat('0x10', '16', 1e-6)), 'PE');
  assert.equal(verdict(checkFloat('1e400', '1', 1e-6)), 'WA');
  assert.equal(verdict(checkFloat('1 2', '1', 1e-6)), 'WA');
  assert.equal(verdict(checkFloat('1', '1 2', 1e-6)), 'WA');
});

test('doublesMatch follows testlib doubleCompare at the edges', () => {
  assert.equal(doublesMatch(0, 1e-6, 1e-6), true);
  assert.equal(doublesMatch(0, 1.1e-6, 1e-6), false);
  assert.equal(doublesMatch(-100, -100.00009, 1e-6), true);
  assert.equal(doublesMatch(-100, -100.001, 1e-6), false);
  assert.equal(doublesMatch(Number.NaN, Number.NaN, 1e-6), true);
  assert.equal(doublesMatch(1, Number.NaN, 1e-6), false);
  assert.equal(doublesMatch(Infinity, Infinity, 1e-6), true);
});

test('yesno: case-insensitive, anything else is PE', () => {
  assert.equal(verdict(checkYesNo('yEs\nNO', 'YES no')), 'AC');
  assert.equal(verdict(checkYesNo('NO', 'YES')), 'WA');
  assert.equal(verdict(checkYesNo('Y', 'YES')), 'PE');
  assert.equal(verdict(checkYesNo('YES', 'YES NO')), 'WA');
  assert.equal(verdict(checkYesNo('YES NO', 'YES')), 'WA');
});

test('runBuiltinChecker dispatches on the problem.json checker type', () => {
  assert.equal(verdict(runBuiltinChecker({ type: 'float', eps: 1e-4 }, '3.14159', '3.1416')), 'AC');
  assert.equal(verdict(runBuiltinChecker({ type: 'exact' }, '1 ', '1')), 'WA');
  assert.equal(verdict(runBuiltinChecker({ type: 'tokens' }, '1 ', '1')), 'AC');
});

test('external checkers: testlib exit codes map to verdicts, anything else is a checker failure', () => {
  assert.deepEqual(testlibResult(0, null, 'ok'), { verdict: 'AC', message: 'ok' });
  assert.equal(testlibResult(1, null, 'x').verdict, 'WA');
  assert.equal(testlibResult(2, null, 'x').verdict, 'PE');
  assert.equal(testlibResult(3, null, 'bad answer').verdict, 'FAIL');
  assert.match(testlibResult(7, null, '50 points').message, /partial points/);
  assert.equal(testlibResult(7, null, '').verdict, 'WA');
  assert.equal(testlibResult(4, null, '').verdict, 'FAIL');
  assert.equal(testlibResult(null, 11, '').verdict, 'FAIL');
});
