// F16 and BF16 conversion against hand-computed bit patterns: round-to-nearest-even ties,
// subnormals, overflow to infinity, signed zero and NaN; plus exhaustive and nearest-value checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/util/rng.ts';
import {
  bf16ToF32Bits,
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  f16ToF32Bits,
  f32BitsToBf16,
  f32BitsToF16,
} from '../../src/io/half.ts';

const hex = (n: number) => '0x' + n.toString(16);

test('float32 → F16 rounds to nearest even and handles the special values', () => {
  const cases: [number, number, string][] = [
    [0x3f800000, 0x3c00, '1'],
    [0xc0000000, 0xc000, '-2'],
    [0x3dcccccd, 0x2e66, '0.1'],
    [0x3f801000, 0x3c00, '1 + 2^-11: tie, stays on even 0x3c00'],
    [0x3f803000, 0x3c02, '1 + 3·2^-11: tie, goes up to even 0x3c02'],
    [0x3f801001, 0x3c01, 'just above the tie rounds up'],
    [0x477fe000, 0x7bff, '65504, the largest finite'],
    [0x477fefff, 0x7bff, 'just below 65520 stays finite'],
    [0x477ff000, 0x7c00, '65520 ties to even, which is infinity'],
    [0x501502f9, 0x7c00, '1e10 overflows'],
    [0x7f800000, 0x7c00, '+inf'],
    [0xff800000, 0xfc00, '-inf'],
    [0x80000000, 0x8000, '-0'],
    [0x00000001, 0x0000, 'smallest float32 subnormal underflows'],
    [0x33800000, 0x0001, '2^-24, the smallest F16 subnormal'],
    [0x33000000, 0x0000, '2^-25: tie, goes to even zero'],
    [0x33000001, 0x0001, 'just above 2^-25 rounds up'],
    [0xb3400000, 0x8001, '-1.5·2^-25'],
    [0x33c00000, 0x0002, '1.5·2^-24: tie, goes to even 2'],
    [0x387fc000, 0x03ff, 'largest subnormal'],
    [0x387fe000, 0x0400, 'tie above the largest subnormal rounds up to the smallest normal'],
    [0x38800000, 0x0400, '2^-14, smallest normal'],
    [0x7fc00000, 0x7e00, 'quiet NaN'],
    [0x7f800001, 0x7e00, 'signalling NaN with a low payload stays NaN'],
    [0xffa00000, 0xff00, 'negative NaN keeps sign and top payload bits'],
  ];
  for (const [f32, f16, what] of cases) assert.equal(hex(f32BitsToF16(f32)), hex(f16), what);
});

test('F16 → float32 is exact, including subnormals, infinities and NaN', () => {
  const cases: [number, number][] = [
    [0x3c00, 0x3f800000],
    [0x0001, 0x33800000],
    [0x03ff, 0x387fc000],
    [0x0400, 0x38800000],
    [0x3555, 0x3eaaa000],
    [0x7bff, 0x477fe000],
    [0x7c00, 0x7f800000],
    [0xfc00, 0xff800000],
    [0x7e00, 0x7fc00000],
    [0x8000, 0x80000000],
    [0x8001, 0xb3800000],
  ];
  for (const [f16, f32] of cases) assert.equal(hex(f16ToF32Bits(f16)), hex(f32), `F16 ${hex(f16)}`);
});

test('float32 → BF16 rounds to nearest even, keeps NaN a NaN, overflows to infinity', () => {
  const cases: [number, number, string][] = [
    [0x3f800000, 0x3f80, '1'],
    [0x3f808000, 0x3f80, 'tie stays on even'],
    [0x3f818000, 0x3f82, 'tie goes up to even'],
    [0x3f808001, 0x3f81, 'above the tie rounds up'],
    [0x7f7f7fff, 0x7f7f, 'below the top tie stays finite'],
    [0x7f7fffff, 0x7f80, 'largest float32 rounds to infinity'],
    [0x7f800000, 0x7f80, '+inf'],
    [0xff800000, 0xff80, '-inf'],
    [0x7f800001, 0x7fc0, 'signalling NaN must not become infinity'],
    [0xffc00000, 0xffc0, 'negative quiet NaN'],
    [0x00008000, 0x0000, 'subnormal tie goes to even zero'],
    [0x00018000, 0x0002, 'subnormal tie goes up to even'],
    [0x007fffff, 0x0080, 'largest subnormal rounds up to the smallest normal'],
    [0x80000000, 0x8000, '-0'],
  ];
  for (const [f32, bf16, what] of cases) assert.equal(hex(f32BitsToBf16(f32)), hex(bf16), what);
  assert.equal(hex(bf16ToF32Bits(0x0001)), hex(0x00010000));
  assert.equal(hex(bf16ToF32Bits(0xff80)), hex(0xff800000));
});

test('every F16 value survives decode then encode (NaNs stay NaN)', () => {
  const all = new Uint16Array(65536);
  for (let i = 0; i < all.length; i++) all[i] = i;
  const floats = new Float32Array(all.length);
  decodeF16(all, floats);
  const back = new Uint16Array(all.length);
  encodeF16(floats, back);
  for (let i = 0; i < all.length; i++) {
    const nanPattern = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
    if (nanPattern) assert.ok(Number.isNaN(floats[i]) && (back[i] & 0x7c00) === 0x7c00 && (back[i] & 0x3ff) !== 0);
    else assert.equal(back[i], i, `F16 ${hex(i)}`);
  }
});

test('encoding picks the nearest F16 and BF16 for random values', () => {
  const rng = new Rng(3);
  const n = 20000;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal() * Math.pow(2, rng.int(40) - 28);
  const f16 = new Uint16Array(n);
  const bf16 = new Uint16Array(n);
  encodeF16(values, f16);
  encodeBf16(values, bf16);
  const decoded = new Float32Array(n);
  const neighbour = new Float32Array(1);
  const neighbourBits = new Uint16Array(1);
  for (const [codes, decode] of [
    [f16, decodeF16],
    [bf16, decodeBf16],
  ] as const) {
    decode(codes, decoded);
    for (let i = 0; i < n; i++) {
      const error = Math.abs(values[i] - decoded[i]);
      for (const step of [-1, 1]) {
        neighbourBits[0] = codes[i] + step;
        decode(neighbourBits, neighbour);
        if (Number.isFinite(neighbour[0])) {
          assert.ok(
            error <= Math.abs(values[i] - neighbour[0]),
            `value ${values[i]} is nearer ${neighbour[0]} than ${decoded[i]}`,
          );
        }
      }
    }
  }
});
