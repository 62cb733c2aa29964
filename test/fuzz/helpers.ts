// Shared pieces of the property-based tests of lmlab's parsers of outside input: a fixed seed
// and modest run counts (the suite stays fast and every run is reproducible), the property
// "returns, or throws an LmlabError — never another exception", and mutations of valid inputs
// (bytes overwritten, truncation, a JSON value swapped for arbitrary JSON).
import fc from 'fast-check';
import { LmlabError } from '../../src/util/errors.ts';

export const SEED = 20250815;

export const settings = (numRuns: number): fc.Parameters<unknown> => ({
  seed: SEED,
  numRuns,
  endOnFailure: true,
  includeErrorInReport: true,
});

/** Runs `fn`; anything thrown that is not an LmlabError fails the property, with its stack. */
export function onlyLmlabErrors<T>(fn: () => T): T | LmlabError {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LmlabError) return err;
    throw new Error(
      `not an LmlabError: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`,
    );
  }
}

export async function onlyLmlabErrorsAsync<T>(fn: () => Promise<T>): Promise<T | LmlabError> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LmlabError) return err;
    throw new Error(
      `not an LmlabError: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`,
    );
  }
}

/** Byte-level damage to a valid file: overwrites, then an optional truncation. */
export function damagedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .record({
      writes: fc.array(
        fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }), width: fc.integer({ min: 1, max: 8 }) }),
        { maxLength: 6 },
      ),
      cut: fc.option(fc.nat(), { nil: undefined }),
    })
    .map(({ writes, cut }) => {
      const out = Uint8Array.from(valid);
      for (const w of writes) {
        const at = w.at % out.length;
        out.fill(w.value, at, Math.min(out.length, at + w.width));
      }
      return cut === undefined ? out : out.subarray(0, cut % (out.length + 1));
    });
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function replaceAt(value: Json, path: (string | number)[], by: Json | undefined): Json {
  if (path.length === 0) return by === undefined ? null : by;
  const clone = JSON.parse(JSON.stringify(value)) as Json;
  let at = clone as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (by === undefined) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete at[last];
  } else at[last] = by;
  return clone;
}

/** A valid JSON document with a few of its values replaced by arbitrary JSON or removed. */
export function mutatedJson(valid: unknown): fc.Arbitrary<unknown> {
  const anyValue: fc.Arbitrary<Json | undefined> = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.constantFrom(-1, 0, 1, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.5),
    fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  );
  return fc.array(fc.tuple(fc.nat(), anyValue), { minLength: 1, maxLength: 3 }).map((edits) => {
    let doc = valid as Json;
    for (const [n, by] of edits) {
      const candidates = paths(doc);
      doc = replaceAt(doc, candidates[n % candidates.length], by);
    }
    return doc;
  });
}

/** JSON text: valid, mutated, or cut short anywhere. */
export function jsonText(valid: unknown): fc.Arbitrary<string> {
  const text = JSON.stringify(valid);
  return fc.oneof(
    mutatedJson(valid).map((d) => JSON.stringify(d) ?? 'null'),
    fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
    fc.string(),
  );
}
