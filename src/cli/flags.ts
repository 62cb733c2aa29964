// Parsing numeric command-line values, one way for every command: a value that is not a
// number, not whole when it must be, or outside its range is a one-line error naming the flag.
import { InvalidArgumentError } from 'commander';
import { LmlabError } from '../util/errors.ts';

export interface NumberRange {
  min?: number;
  max?: number;
  integer?: boolean;
  /** strictly greater than 0 */
  positive?: boolean;
}

function describe(range: NumberRange): string {
  const kind = `a ${range.positive ? 'positive ' : ''}${range.integer ? 'whole number' : 'number'}`;
  const { min = -Infinity, max = Infinity } = range;
  if (min > -Infinity && max < Infinity) return `${kind} in [${min}, ${max}]`;
  if (min > -Infinity) return `${kind} ≥ ${min}`;
  if (max < Infinity) return `${kind} ≤ ${max}`;
  return kind;
}

function check(value: string, range: NumberRange): number | null {
  const n = Number(value);
  const { min = -Infinity, max = Infinity } = range;
  if (
    value.trim() === '' ||
    !Number.isFinite(n) ||
    n < min ||
    n > max ||
    (range.positive && n <= 0) ||
    (range.integer && !Number.isInteger(n))
  )
    return null;
  return n;
}

/** The number in `value`, or an LmlabError `<name> must be …, got "<value>"`. */
export function numberFlag(name: string, value: string, range: NumberRange = {}): number {
  const n = check(value, range);
  if (n === null) throw new LmlabError(`${name} must be ${describe(range)}, got "${value}"`);
  return n;
}

export function integerFlag(name: string, value: string, min = -Infinity): number {
  return numberFlag(name, value, { integer: true, min });
}

/** A comma-separated list of numbers, each checked against `range`. */
export function numberListFlag(name: string, value: string, range: NumberRange = {}): number[] {
  const parts = value.split(',').map((v) => v.trim());
  if (parts.some((v) => v === ''))
    throw new LmlabError(`${name} must be a comma-separated list of numbers, got "${value}"`);
  return parts.map((v) => numberFlag(name, v, range));
}

/** The same check as a commander argument parser (commander prints the usage error). */
export function numberArg(name: string, range: NumberRange = {}): (value: string) => number {
  return (value: string) => {
    const n = check(value, range);
    if (n === null) throw new InvalidArgumentError(`${name} must be ${describe(range)}`);
    return n;
  };
}
