// ggml block formats: hand-built blocks decode to the values the format defines, and lmlab's
// Q4_0 / Q5_0 / Q8_0 / Q4_K / Q6_K encoders round-trip through the decoder and a GGUF file within
// their step size; the q4_k_m plan picks llama.cpp's types, falling back on odd row lengths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GGML_QUANT,
  dequantize,
  quantizeAs,
  quantizeQ4_K,
  quantizeQ8_0,
  type QuantTypeName,
} from '../../src/io/ggml-quants.ts';
import { GgufFile, writeGguf, writeGgufStreaming } from '../../src/io/gguf.ts';
import { moreBits, planQuantization } from '../../src/io/quantize-plan.ts';
import { Rng } from '../../src/util/rng.ts';

const F16 = { '1': 0x3c00, '0.5': 0x3800, '0.25': 0x3400, '2': 0x4000 } as const;
const le16 = (b: Uint8Array, at: number, v: number) => {
  b[at] = v & 0xff;
  b[at + 1] = v >> 8;
};

test('Q8_0: x = q·d', () => {
  const b = new Uint8Array(34);
  le16(b, 0, F16['0.5']);
  for (let i = 0; i < 32; i++) b[2 + i] = (i * 8 - 128) & 0xff;
  const out = new Float32Array(32);
  dequantize(GGML_QUANT.Q8_0, b, out);
  for (let i = 0; i < 32; i++) assert.equal(out[i], (i * 8 - 128) * 0.5);
});

test('Q4_0: x = (nibble − 8)·d, low nibbles are values 0..15, high nibbles 16..31', () => {
  const b = new Uint8Array(18);
  le16(b, 0, F16['0.25']);
  for (let i = 0; i < 16; i++) b[2 + i] = (i & 0xf) | ((15 - i) << 4);
  const out = new Float32Array(32);
  dequantize(GGML_QUANT.Q4_0, b, out);
  for (let i = 0; i < 16; i++) {
    assert.equal(out[i], (i - 8) * 0.25);
    assert.equal(out[i + 16], (15 - i - 8) * 0.25);
  }
});

/** 12 scale bytes for 8 (scale, min) pairs of 6 bits, packed as K-quants store them. */
function packScales(sc: number[], mn: number[]): number[] {
  const q = new Array<number>(12).fill(0);
  for (let j = 0; j < 4; j++) {
    q[j] = sc[j] | ((sc[j + 4] >> 4) << 6);
    q[j + 4] = mn[j] | ((mn[j + 4] >> 4) << 6);
    q[j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
  }
  return q;
}

const SC = [3, 1, 7, 63, 16, 40, 33, 9];
const MN = [2, 0, 5, 1, 63, 33, 17, 48];

function kBlock(five: boolean): Uint8Array {
  const b = new Uint8Array(five ? 176 : 144);
  le16(b, 0, F16['1']);
  le16(b, 2, F16['0.5']);
  b.set(packScales(SC, MN), 4);
  const qs = five ? 48 : 16;
  for (let i = 0; i < 128; i++) b[qs + i] = (i * 7) & 0xff;
  if (five) for (let i = 0; i < 32; i++) b[16 + i] = (i * 37) & 0xff;
  return b;
}

/** Value v (0..255) of a K-quant block: sub-block s = v/32 uses nibble (s even: low) of byte 32·⌊s/2⌋ + v%32. */
function kExpected(b: Uint8Array, v: number, five: boolean): number {
  const s = Math.floor(v / 32);
  const l = v % 32;
  const byte = b[(five ? 48 : 16) + 32 * Math.floor(s / 2) + l];
  let q = s % 2 === 0 ? byte & 15 : byte >> 4;
  if (five && (b[16 + l] >> s) & 1) q += 16;
  return 1 * SC[s] * q - 0.5 * MN[s];
}

test('Q4_K and Q5_K: x = d·scale·q − dmin·min with 6-bit packed scales (and a fifth bit from qh)', () => {
  for (const [type, five] of [
    [GGML_QUANT.Q4_K, false],
    [GGML_QUANT.Q5_K, true],
  ] as const) {
    const b = kBlock(five);
    const out = new Float32Array(256);
    dequantize(type, b, out);
    for (let v = 0; v < 256; v++) assert.equal(out[v], kExpected(b, v, five), `${five ? 'Q5_K' : 'Q4_K'} value ${v}`);
  }
});

test('Q6_K: x = d·scale·(q − 32), q from 4 low bits and 2 high bits', () => {
  const b = new Uint8Array(210);
  for (let i = 0; i < 128; i++) b[i] = (i * 11 + 3) & 0xff;
  for (let i = 0; i < 64; i++) b[128 + i] = (i * 29 + 1) & 0xff;
  const scales = Array.from({ length: 16 }, (_, i) => i * 9 - 70);
  for (let i = 0; i < 16; i++) b[192 + i] = scales[i] & 0xff;
  le16(b, 208, F16['0.25']);
  const out = new Float32Array(256);
  dequantize(GGML_QUANT.Q6_K, b, out);
  for (let v = 0; v < 256; v++) {
    // half h of 128 values; within it quarter k = ⌊(v%128)/32⌋, l = v%32
    const h = Math.floor(v / 128);
    const k = Math.floor((v % 128) / 32);
    const l = v % 32;
    const lowByte = b[h * 64 + l + (k % 2) * 32];
    const low = k < 2 ? lowByte & 15 : lowByte >> 4;
    const high = (b[128 + h * 32 + l] >> (2 * k)) & 3;
    const scale = scales[h * 8 + Math.floor(l / 16) + 2 * k];
    assert.equal(out[v], 0.25 * scale * ((low | (high << 4)) - 32), `value ${v}`);
  }
});

test('Q8_0 and Q4_K encoders round-trip within one step, through a GGUF file', () => {
  const rng = new Rng(4);
  const x = Float32Array.from({ length: 512 }, () => rng.normal());
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-quant-'));
  try {
    const path = join(dir, 'q.gguf');
    writeGguf(path, new Map(), [
      { name: 'a', shape: [2, 256], type: 'Q8_0', data: x },
      { name: 'b', shape: [2, 256], type: 'Q4_K', data: x },
    ]);
    const file = GgufFile.open(path);
    try {
      assert.equal(file.info('a').typeName, 'Q8_0');
      assert.equal(file.info('b').typeName, 'Q4_K');
      const a = file.read('a').data;
      const b = file.read('b').data;
      const direct = new Float32Array(512);
      dequantize(GGML_QUANT.Q8_0, quantizeQ8_0(x), direct);
      assert.deepEqual(a, direct);
      dequantize(GGML_QUANT.Q4_K, quantizeQ4_K(x), direct);
      assert.deepEqual(b, direct);
      let amax = 0;
      for (const v of x) amax = Math.max(amax, Math.abs(v));
      for (let i = 0; i < 512; i++) {
        assert.ok(Math.abs(a[i] - x[i]) <= amax / 127, `Q8_0 ${i}`);
        assert.ok(Math.abs(b[i] - x[i]) <= (2 * amax) / 15, `Q4_K ${i}: ${b[i]} vs ${x[i]}`);
      }
    } finally {
      file.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Q5_0: x = (q − 16)·d with the fifth bit of value j at bit j of the u32', () => {
  const b = new Uint8Array(22);
  le16(b, 0, F16['0.5']);
  const qh = 0xa5c3_0f81;
  b[2] = qh & 0xff;
  b[3] = (qh >>> 8) & 0xff;
  b[4] = (qh >>> 16) & 0xff;
  b[5] = qh >>> 24;
  for (let i = 0; i < 16; i++) b[6 + i] = ((i * 5) & 0xf) | (((i * 3) & 0xf) << 4);
  const out = new Float32Array(32);
  dequantize(GGML_QUANT.Q5_0, b, out);
  for (let v = 0; v < 32; v++) {
    const nibble = v < 16 ? b[6 + v] & 0xf : b[6 + v - 16] >> 4;
    const q = nibble | (((qh >>> v) & 1) << 4);
    assert.equal(out[v], (q - 16) * 0.5, `value ${v}`);
  }
});

test('Q4_0, Q5_0 and Q6_K encoders round-trip within one step, also through a streamed GGUF file', () => {
  const rng = new Rng(9);
  const x = Float32Array.from({ length: 1024 }, () => rng.normal() * (1 + rng.int(4)));
  // per block, one step of the block's largest magnitude: 1/8 (Q4_0), 1/16 (Q5_0), Q6_K ≈ 1/32
  const steps: [QuantTypeName, number, number][] = [
    ['Q4_0', 32, 1 / 8],
    ['Q5_0', 32, 1 / 16],
    ['Q6_K', 256, 1 / 24],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-quant-'));
  try {
    const path = join(dir, 'q.gguf');
    writeGgufStreaming(
      path,
      new Map(),
      steps.map(([type]) => ({ name: type, shape: [4, 256], type })),
      () => x,
    );
    const file = GgufFile.open(path);
    try {
      for (const [type, per, step] of steps) {
        assert.equal(file.info(type).typeName, type);
        const got = file.read(type).data;
        const direct = new Float32Array(x.length);
        dequantize(GGML_QUANT[type], quantizeAs(type, x), direct);
        assert.deepEqual(got, direct);
        let err2 = 0;
        let sig2 = 0;
        for (let blk = 0; blk < x.length / per; blk++) {
          let amax = 0;
          for (let i = 0; i < per; i++) amax = Math.max(amax, Math.abs(x[blk * per + i]));
          for (let i = blk * per; i < (blk + 1) * per; i++) {
            assert.ok(Math.abs(got[i] - x[i]) <= step * amax * 1.01, `${type} ${i}: ${got[i]} vs ${x[i]}`);
            err2 += (got[i] - x[i]) ** 2;
            sig2 += x[i] ** 2;
          }
        }
        assert.ok(err2 > 0 && err2 / sig2 < step * step, `${type} relative error ${err2 / sig2}`);
      }
    } finally {
      file.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("q4_k_m plan: llama.cpp's types per tensor, with its fallbacks for odd row lengths", () => {
  assert.deepEqual(
    Array.from({ length: 16 }, (_, i) => moreBits(i, 16)),
    [true, true, false, false, true, false, false, true, false, false, true, false, false, true, true, true],
  );
  const tensors = (ffn: number, tied: boolean) => [
    { name: 'token_embd.weight', shape: [1000, 512] },
    ...Array.from({ length: 8 }, (_, l) => [
      { name: `blk.${l}.attn_norm.weight`, shape: [512] },
      { name: `blk.${l}.attn_v.weight`, shape: [128, 512] },
      { name: `blk.${l}.ffn_down.weight`, shape: [512, ffn] },
    ]).flat(),
    { name: 'output_norm.weight', shape: [512] },
    ...(tied ? [] : [{ name: 'output.weight', shape: [1000, 512] }]),
  ];
  const plan = planQuantization('q4_k_m', tensors(1024, false));
  assert.equal(plan[0], 'Q4_K');
  assert.equal(plan.at(-1), 'Q6_K');
  assert.equal(plan.at(-2), 'F32');
  // 8 layers: more bits for layers 0, 3, 6, 7
  const v = [0, 1, 2, 3, 4, 5, 6, 7].map((l) => plan[2 + 3 * l]);
  assert.deepEqual(v, ['Q6_K', 'Q4_K', 'Q4_K', 'Q6_K', 'Q4_K', 'Q4_K', 'Q6_K', 'Q6_K']);
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7].map((l) => plan[3 + 3 * l]),
    v,
  );
  // rows of 1376 (not whole 256-blocks): Q4_K → Q5_0, Q6_K → Q8_0; tied embeddings play the output
  const odd = planQuantization('q4_k_m', tensors(1376, true));
  assert.deepEqual([odd[3], odd[6]], ['Q8_0', 'Q5_0']);
  assert.equal(odd[0], 'Q6_K');
  assert.equal(planQuantization('q8_0', tensors(1376, false)).at(-1), 'Q8_0');
  assert.equal(planQuantization('q4_0', tensors(1376, false)).at(-1), 'Q6_K');
  assert.equal(planQuantization('q4_0', [{ name: 'x.weight', shape: [4, 48] }])[0], 'F16');
});
