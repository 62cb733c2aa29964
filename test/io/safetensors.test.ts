// safetensors: round trips in every float dtype, a hand-built file read by offsets, clear errors
// for corrupted or truncated files, and atomic writes that leave nothing behind on failure.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeFileAtomic } from '../../src/io/files.ts';
import { SafetensorsFile, writeSafetensors } from '../../src/io/safetensors.ts';
import type { NamedTensors } from '../../src/io/tensors.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir();

function sample(): NamedTensors {
  return new Map([
    ['a.weight', { shape: [2, 3], data: Float32Array.from([1, -2, 0.5, 65504, 1e-7, -0]) }],
    ['b.bias', { shape: [3], data: Float32Array.from([0.1, Infinity, -Infinity]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);
}

/** Builds a safetensors file by hand: u64 length, JSON, raw bytes. */
function handMade(header: unknown, data: Uint8Array, lengthOverride?: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(lengthOverride ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function expectError(path: string, pattern: RegExp): void {
  assert.throws(() => {
    const file = SafetensorsFile.open(path);
    try {
      for (const name of file.names()) file.read(name);
    } finally {
      file.close();
    }
  }, pattern);
}

test('F32 round trip is bit-exact, with metadata, and the data section is 8-byte aligned', () => {
  const path = join(dir, 'f32.safetensors');
  writeSafetensors(path, sample(), { metadata: { format: 'pt', note: 'x' } });
  const bytes = readFileSync(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + headerLength) % 8, 0);
  const file = SafetensorsFile.open(path);
  try {
    assert.deepEqual(file.metadata, { format: 'pt', note: 'x' });
    assert.deepEqual(file.names(), ['a.weight', 'b.bias', 'empty']);
    for (const [name, tensor] of sample()) {
      const read = file.read(name);
      assert.deepEqual(read.shape, tensor.shape);
      assert.deepEqual(new Uint32Array(read.data.buffer), new Uint32Array(tensor.data.buffer), name);
    }
  } finally {
    file.close();
  }
});

test('F16 and BF16 files store rounded values and read back as float32', () => {
  for (const dtype of ['F16', 'BF16'] as const) {
    const path = join(dir, `${dtype}.safetensors`);
    writeSafetensors(path, sample(), { dtype });
    const file = SafetensorsFile.open(path);
    try {
      assert.equal(file.entry('a.weight').dtype, dtype);
      assert.equal(file.entry('a.weight').end - file.entry('a.weight').begin, 12);
      const a = file.read('a.weight').data;
      assert.equal(a[0], 1);
      assert.equal(a[1], -2);
      assert.equal(a[3], dtype === 'F16' ? 65504 : 65536);
      assert.equal(file.read('b.bias').data[1], Infinity);
      assert.ok(Math.abs(file.read('b.bias').data[0] - 0.1) < (dtype === 'F16' ? 1e-4 : 1e-3));
    } finally {
      file.close();
    }
  }
});

test('a hand-built file with F16 and BF16 tensors decodes by offset', () => {
  // F16 1.0 = 0x3c00, -2.0 = 0xc000; BF16 1.0 = 0x3f80, 0.5 = 0x3f00 (little-endian bytes).
  const data = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x80, 0x3f, 0x00, 0x3f]);
  const header = {
    x: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
    y: { dtype: 'F16', shape: [1, 2], data_offsets: [0, 4] },
  };
  const path = join(dir, 'hand.safetensors');
  writeFileSync(path, handMade(header, data));
  const file = SafetensorsFile.open(path);
  try {
    assert.deepEqual([...file.read('y').data], [1, -2]);
    assert.deepEqual(file.read('y').shape, [1, 2]);
    assert.deepEqual([...file.read('x').data], [1, 0.5]);
  } finally {
    file.close();
  }
});

test('corrupted and truncated files give one clear error naming the file', () => {
  const good = join(dir, 'good.safetensors');
  writeSafetensors(good, sample());
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, readFileSync(good));
  truncateSync(cut, readFileSync(good).length - 5);
  expectError(cut, /cut\.safetensors: truncated file: tensor b\.bias ends at/);

  const headerCut = join(dir, 'header-cut.safetensors');
  writeFileSync(headerCut, readFileSync(good).subarray(0, 20));
  expectError(headerCut, /header-cut\.safetensors: truncated file: header of \d+ bytes/);

  const tiny = join(dir, 'tiny.safetensors');
  writeFileSync(tiny, Uint8Array.from([1, 2, 3]));
  expectError(tiny, /tiny\.safetensors: not a safetensors file/);

  const cases: [string, Uint8Array, RegExp][] = [
    ['huge-length', handMade({}, new Uint8Array(0), 2 ** 40), /header length \d+ is implausible/],
    [
      'bad-json',
      (() => {
        const b = handMade({ x: 1 }, new Uint8Array(0));
        b[9] = 0x7b; // a second '{' breaks the JSON
        return b;
      })(),
      /header is not valid JSON/,
    ],
    [
      'wrong-size',
      handMade({ x: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /tensor x: F32 \[3\] needs 12 bytes but data_offsets span 8/,
    ],
    [
      'overlap',
      handMade(
        {
          x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        new Uint8Array(12),
      ),
      /tensors x and y overlap/,
    ],
    [
      'unknown-dtype',
      handMade({ x: { dtype: 'Q4', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2)),
      /tensor x: unknown dtype Q4/,
    ],
    [
      'bad-offsets',
      handMade({ x: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, new Uint8Array(8)),
      /data_offsets must be \[begin, end\]/,
    ],
    [
      'int-tensor',
      handMade({ x: { dtype: 'I32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /tensor x has dtype I32; only F32, F16, BF16 and F64 tensors can be loaded/,
    ],
  ];
  for (const [name, bytes, pattern] of cases) {
    const path = join(dir, `${name}.safetensors`);
    writeFileSync(path, bytes);
    expectError(path, new RegExp(`${name}\\.safetensors: .*${pattern.source}`));
  }
  expectError(join(dir, 'absent.safetensors'), /cannot open .*absent\.safetensors: ENOENT/);
});

test('a failed write keeps the previous file and leaves no temporary file', () => {
  const sub = tempDir();
  const path = join(sub, 'model.safetensors');
  writeSafetensors(path, sample());
  const before = readFileSync(path);
  assert.throws(
    () =>
      writeFileAtomic(path, (out) => {
        out.write(new Uint8Array(100));
        throw new Error('disk on fire');
      }),
    /cannot write .*model\.safetensors: disk on fire/,
  );
  assert.deepEqual(readFileSync(path), before);
  assert.deepEqual(readdirSync(sub), ['model.safetensors']);
  const bad: NamedTensors = new Map([['x', { shape: [3], data: new Float32Array(2) }]]);
  assert.throws(() => writeSafetensors(path, bad), /tensor x: shape \[3\] holds 3 values but data has 2/);
  assert.deepEqual(readdirSync(sub), ['model.safetensors']);
});
