// A small reader for .zip archives (Polygon packages): the central directory, stored and
// deflated entries (node:zlib), extraction into a fresh directory with every path checked to
// stay inside it. Deliberately not: ZIP64, encryption, multi-disk archives, symlinks.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, sep } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { LmlabError } from '../../util/errors.ts';

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

/** Every file entry of the archive at `path`, decompressed. */
export function readZip(path: string): ZipEntry[] {
  const buf = readFileSync(path);
  const bad = (why: string): LmlabError => new LmlabError(`${path} is not a readable zip archive (${why})`);
  // The end record sits in the last 22 + up to 65535 (comment) bytes.
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
      end = i;
      break;
    }
  }
  if (end < 0) throw bad('no end of central directory');
  const count = buf.readUInt16LE(end + 10);
  let at = buf.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL_HEADER) throw bad('broken central directory');
    const flags = buf.readUInt16LE(at + 8);
    const method = buf.readUInt16LE(at + 10);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    at += 46 + nameLength + extraLength + commentLength;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw bad(`${name} is encrypted`);
    if (compressedSize === 0xffffffff || local === 0xffffffff) throw bad('ZIP64 archives are not supported');
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_HEADER)
      throw bad(`broken local header of ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (e) {
        throw bad(`${name}: ${(e as Error).message}`);
      }
    } else throw bad(`${name} uses compression method ${method}`);
    if (data.length !== size) throw bad(`${name} has ${data.length} bytes, the directory says ${size}`);
    entries.push({ name, data });
  }
  return entries;
}

/** Extracts the archive into `dir` (created); refuses entries that would land outside it. */
export function extractZip(path: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const entry of readZip(path)) {
    const rel = normalize(entry.name);
    if (rel.startsWith('..') || rel.startsWith(sep) || rel.includes(`..${sep}`))
      throw new LmlabError(`${path}: entry ${entry.name} points outside the archive`);
    const target = join(dir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
  }
}
