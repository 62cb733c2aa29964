// GGUF container: a write/read round trip of every metadata type and float tensor type, the
// exact on-disk header layout (reversed dims, 32-byte alignment), and clear errors for damage.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { GgufFile, writeGguf, type GgufMetadata, type GgufTensorInput } from '../../src/io/gguf.ts';
import { tempDir } from './helpers.ts';

const dir = tempDir();

function metadataOfEveryType(): GgufMetadata {
  return new Map([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['u8', { type: 'u8', value: 255 }],
    ['i8', { type: 'i8', value: -128 }],
    ['u16', { type: 'u16', value: 65535 }],
    ['i16', { type: 'i16', value: -32768 }],
    ['u32', { type: 'u32', value: 4294967295 }],
    ['i32', { type: 'i32', value: -2147483648 }],
    ['f32', { type: 'f32', value: Math.fround(1e-5) }],
    ['f64', { type: 'f64', value: 1e-300 }],
    ['u64', { type: 'u64', value: 18446744073709551615n }],
    ['i64', { type: 'i64', value: -9223372036854775808n }],
    ['bool', { type: 'bool', value: true }],
    ['unicode', { type: 'string', value: 'héllo ☃ 𝄞' }],
    ['empty', { type: 'string', value: '' }],
    ['strings', { type: 'array', itemType: 'string', value: ['Ġa', 'b', '', '\n'] }],
    ['ints', { type: 'array', itemType: 'i32', value: [1, -3, 6] }],
    ['floats', { type: 'array', itemType: 'f32', value: [0.5, -2] }],
    ['bools', { type: 'array', itemType: 'bool', value: [false, true] }],
    ['bigs', { type: 'array', itemType: 'u64', value: [0n, 1n << 40n] }],
    ['none', { type: 'array', itemType: 'u8', value: [] }],
  ]);
}

function tensorsOfEveryType(): GgufTensorInput[] {
  const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => (i - n / 2) / 4);
  return [
    { name: 'vec', shape: [5], type: 'F32', data: ramp(5) },
    { name: 'mat.f16', shape: [3, 7], type: 'F16', data: ramp(21) },
    { name: 'mat.bf16', shape: [2, 3, 4], type: 'BF16', data: ramp(24) },
    { name: 'cube', shape: [2, 1, 3, 2], type: 'F32', data: ramp(12) },
  ];
}

test('metadata of every type and F32/F16/BF16 tensors survive a round trip', () => {
  const path = join(dir, 'all.gguf');
  const metadata = metadataOfEveryType();
  const tensors = tensorsOfEveryType();
  writeGguf(path, metadata, tensors);
  const file = GgufFile.open(path);
  try {
    assert.equal(file.version, 3);
    assert.equal(file.alignment, 32);
    assert.deepEqual(file.metadata, metadata);
    assert.deepEqual(
      file.tensors.map((t) => [t.name, t.typeName, t.shape]),
      tensors.map((t) => [t.name, t.type, t.shape]),
    );
    for (const tensor of tensors) {
      const info = file.info(tensor.name);
      assert.equal(info.offset % 32, 0, `${tensor.name} is aligned`);
      const read = file.read(tensor.name);
      assert.deepEqual(read.shape, tensor.shape);
      // The ramp values are exact in all three types.
      assert.deepEqual(read.data, tensor.data, tensor.name);
    }
  } finally {
    file.close();
  }
});

test('the header is laid out byte for byte as GGUF v3 with dims reversed', () => {
  const path = join(dir, 'layout.gguf');
  writeGguf(path, new Map([['k', { type: 'u32', value: 7 }]]), [
    { name: 'w', shape: [3, 5], type: 'F32', data: new Float32Array(15).fill(1) },
  ]);
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 4).toString('latin1'), 'GGUF');
  assert.equal(b.readUInt32LE(4), 3);
  assert.equal(b.readBigUInt64LE(8), 1n); // tensors
  assert.equal(b.readBigUInt64LE(16), 1n); // key-value pairs
  assert.equal(b.readBigUInt64LE(24), 1n); // key length
  assert.equal(b.subarray(32, 33).toString(), 'k');
  assert.equal(b.readUInt32LE(33), 4); // value type u32
  assert.equal(b.readUInt32LE(37), 7);
  assert.equal(b.readBigUInt64LE(41), 1n); // tensor name length
  assert.equal(b.subarray(49, 50).toString(), 'w');
  assert.equal(b.readUInt32LE(50), 2); // n_dims
  assert.equal(b.readBigUInt64LE(54), 5n); // ne[0] is the row length (fastest varying)
  assert.equal(b.readBigUInt64LE(62), 3n);
  assert.equal(b.readUInt32LE(70), 0); // GGML_TYPE_F32
  assert.equal(b.readBigUInt64LE(74), 0n); // offset in the data section
  // The header ends at byte 82; data starts at the next multiple of 32 and is padded too.
  assert.equal(b.readFloatLE(96), 1);
  assert.equal(b.length, 96 + 64);
  assert.ok(b.subarray(82, 96).every((x) => x === 0));
});

function expectOpenError(name: string, bytes: Uint8Array, pattern: RegExp): void {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  assert.throws(() => GgufFile.open(path).close(), new RegExp(`${name.replace('.', '\\.')}: ${pattern.source}`));
}

test('damaged files give a clear error naming the file and the problem', () => {
  const path = join(dir, 'good.gguf');
  writeGguf(path, metadataOfEveryType(), tensorsOfEveryType());
  const good = readFileSync(path);

  expectOpenError('cut-data.gguf', good.subarray(0, good.length - 40), /truncated file: tensor cube needs bytes up to/);
  expectOpenError('cut-header.gguf', good.subarray(0, 200), /truncated file: .* runs past the end/);
  expectOpenError('short.gguf', good.subarray(0, 10), /not a GGUF file/);
  const magic = Uint8Array.from(good);
  magic[0] = 0x48;
  expectOpenError('magic.gguf', magic, /not a GGUF file \(bad magic\)/);
  const v1 = Uint8Array.from(good);
  new DataView(v1.buffer).setUint32(4, 1, true);
  expectOpenError('v1.gguf', v1, /unsupported GGUF version 1/);
  const counts = Uint8Array.from(good);
  new DataView(counts.buffer).setBigUint64(16, 1n << 50n, true);
  expectOpenError('counts.gguf', counts, /corrupt header/);
  const longKey = Uint8Array.from(good);
  new DataView(longKey.buffer).setBigUint64(24, 1n << 45n, true);
  expectOpenError('long-key.gguf', longKey, /truncated or corrupt file: metadata key #0 claims \d+ bytes/);
  const badType = Uint8Array.from(good);
  const keyLength = Number(new DataView(badType.buffer).getBigUint64(24, true));
  new DataView(badType.buffer).setUint32(32 + keyLength, 99, true);
  expectOpenError('bad-type.gguf', badType, /metadata general\.architecture has unknown value type 99/);
});

test('quantized tensors of types without a decoder are listed but refused on read', () => {
  const path = join(dir, 'quant.gguf');
  writeGguf(path, new Map(), [{ name: 'q', shape: [2, 32], type: 'F32', data: new Float32Array(64) }]);
  const bytes = Uint8Array.from(readFileSync(path));
  // Retype the tensor as Q2_K (type 10: 84 bytes per block of 256): 84 bytes, within the file.
  const typeAt = 24 + 8 + 1 + 4 + 16;
  new DataView(bytes.buffer).setUint32(typeAt, 10, true);
  writeFileSync(path, bytes);
  const file = GgufFile.open(path);
  try {
    assert.equal(file.info('q').typeName, 'type 10');
    assert.equal(file.info('q').byteLength, 84);
    assert.throws(
      () => file.read('q'),
      /quant\.gguf: tensor q has ggml type 10; only F32, F16, BF16, Q4_0, Q5_0, Q8_0, Q4_K, Q5_K and Q6_K can be read/,
    );
  } finally {
    file.close();
  }
});

test('the writer refuses what llama.cpp would reject', () => {
  const path = join(dir, 'refused.gguf');
  const tensor = (name: string, shape: number[], n = 4): GgufTensorInput => ({
    name,
    shape,
    type: 'F32',
    data: new Float32Array(n),
  });
  assert.throws(() => writeGguf(path, new Map(), [tensor('x'.repeat(64), [4])]), /longer than 63 bytes/);
  assert.throws(() => writeGguf(path, new Map(), [tensor('a', [4]), tensor('a', [4])]), /duplicate tensor name a/);
  assert.throws(() => writeGguf(path, new Map(), [tensor('a', [1, 1, 1, 2, 2])]), /must have 1 to 4 dimensions/);
  assert.throws(() => writeGguf(path, new Map(), [tensor('a', [3])]), /data length does not match its shape/);
  assert.throws(
    () => writeGguf(path, new Map([['k', { type: 'u32', value: 1.5 }]]), []),
    /metadata k: value 1\.5 is not a valid u32/,
  );
  assert.throws(() => writeGguf(path, new Map([['k', { type: 'i8', value: 128 }]]), []), /value 128 is not a valid i8/);
  assert.throws(
    () => writeGguf(path, new Map([['k', { type: 'array', itemType: 'u16', value: [1, -1] }]]), []),
    /value -1 is not a valid u16/,
  );
  assert.throws(
    () => writeGguf(path, new Map([['k', { type: 'u64', value: -1n }]]), []),
    /value -1 is not a valid u64/,
  );
  assert.throws(
    () => writeGguf(path, new Map([['general.alignment', { type: 'u32', value: 12 }]]), []),
    /general\.alignment/,
  );
});
