// File plumbing shared by the checkpoint formats: exact positional reads that name the file when
// it is shorter than promised, and atomic writes (temp file in the same folder, fsync, rename)
// so a crash never leaves a half-written checkpoint under the final name. It does not parse
// any format.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { LmlabError } from '../util/errors.ts';
import { writeFileAtomicFd } from '../util/atomic.ts';

// The formats are little-endian and typed arrays use the host order; refuse rather than
// silently byte-swap wrongly on a big-endian host.
if (endianness() !== 'LE') throw new Error('lmlab checkpoint I/O needs a little-endian host');

/** Largest single read/write handed to the OS (Node refuses more than 2 GiB per call). */
const MAX_IO_CHUNK = 1 << 30;

export class ReadableFile {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new LmlabError(`cannot open ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    this.size = fstatSync(this.fd).size;
  }

  /** Fills `into` from byte `position`; a short file is an error naming `what` was being read. */
  readAt(into: Uint8Array, position: number, what: string): void {
    if (this.fd === undefined) throw new LmlabError(`${this.path}: file already closed`);
    if (position + into.length > this.size) {
      throw new LmlabError(
        `${this.path}: truncated file: ${what} needs bytes ${position}..${position + into.length} ` +
          `but the file has ${this.size}`,
      );
    }
    let done = 0;
    while (done < into.length) {
      const want = Math.min(into.length - done, MAX_IO_CHUNK);
      const got = readSync(this.fd, into, done, want, position + done);
      if (got === 0) throw new LmlabError(`${this.path}: file shrank while reading ${what}`);
      done += got;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Sequential writer over a file descriptor that counts the bytes it has written. */
export class SequentialWriter {
  written = 0;

  constructor(private readonly fd: number) {}

  write(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const want = Math.min(bytes.length - done, MAX_IO_CHUNK);
      done += writeSync(this.fd, bytes, done, want);
    }
    this.written += bytes.length;
  }

  /** Zero bytes up to the next multiple of `alignment`. */
  padTo(alignment: number): void {
    const pad = (alignment - (this.written % alignment)) % alignment;
    if (pad > 0) this.write(new Uint8Array(pad));
  }
}

/**
 * Writes `path` atomically (the one helper in src/util/atomic.ts: temp sibling, fsync, rename):
 * `fill` writes sequentially; on any error nothing is left under either name.
 */
export function writeFileAtomic(path: string, fill: (out: SequentialWriter) => void): void {
  writeFileAtomicFd(path, (fd) => fill(new SequentialWriter(fd)));
}

/** Bytes of a typed array, without copying. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
