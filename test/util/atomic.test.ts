// Output plumbing: atomic writes leave the old content or the new one and name the path on
// failure; temporaries of dead processes are swept by the next run, a process's own on exit and
// on SIGINT/SIGTERM; lock files and checksum manifests behave as documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmlabError } from '../../src/util/errors.ts';
import { tempOwner, tempSibling, writeAtomic, writeDirAtomic, writeFileAtomicFd } from '../../src/util/atomic.ts';
import { pidAlive, sweepStaleJudgeDirs, sweepStaleTemps } from '../../src/util/stale.ts';
import { FileLock } from '../../src/util/lock.ts';
import { MANIFEST, verifyManifest, writeManifest } from '../../src/util/checksums.ts';

const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

test('a failed write keeps the old file, leaves no temporary and names the path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-atomic-'));
  try {
    const path = join(dir, 'report.md');
    writeAtomic(path, 'old report\n');
    const full = Object.assign(new Error('write failed'), { code: 'ENOSPC' });
    assert.throws(
      () =>
        writeFileAtomicFd(path, () => {
          throw full;
        }),
      (e: Error) =>
        e instanceof LmlabError && e.message === `cannot write ${path}: ENOSPC (no space left on the device)`,
    );
    assert.equal(readFileSync(path, 'utf8'), 'old report\n');
    assert.deepEqual(readdirSync(dir), ['report.md']);
    // a real I/O error names its path too
    writeFileSync(join(dir, 'file'), 'x');
    assert.throws(
      () => writeAtomic(join(dir, 'file', 'below.json'), '{}'),
      /cannot write .*file\/below\.json: ENOTDIR/,
    );
    // folders: all or nothing
    const folder = join(dir, 'export');
    writeDirAtomic(folder, (tmp) => writeFileSync(join(tmp, 'a'), '1'));
    assert.throws(
      () =>
        writeDirAtomic(folder, (tmp) => {
          writeFileSync(join(tmp, 'a'), '2');
          throw full;
        }),
      /cannot write .*export: ENOSPC/,
    );
    assert.equal(readFileSync(join(folder, 'a'), 'utf8'), '1');
    writeDirAtomic(folder, (tmp) => writeFileSync(join(tmp, 'b'), '3'));
    assert.deepEqual(readdirSync(folder), ['b']);
    assert.deepEqual(readdirSync(dir).sort(), ['export', 'file', 'report.md']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('temporaries of dead processes are swept; live ones and ordinary files are kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-sweep-'));
  try {
    const dead = deadPid();
    assert.equal(pidAlive(dead), false);
    assert.equal(tempOwner(`.step-000200.tmp-${dead}`), dead);
    assert.equal(tempOwner(`.report.md.tmp-${dead}-3`), dead);
    assert.equal(tempOwner('report.md'), null);
    mkdirSync(join(dir, `.step-000200.tmp-${dead}`));
    writeFileSync(join(dir, `.report.md.tmp-${dead}-1`), 'partial');
    writeFileSync(join(dir, tempSibling('x.json').split('/').pop()!), 'mine, in flight');
    writeFileSync(join(dir, 'report.md'), 'kept');
    assert.deepEqual(sweepStaleTemps(dir).sort(), [`.report.md.tmp-${dead}-1`, `.step-000200.tmp-${dead}`]);
    assert.equal(readdirSync(dir).length, 2);

    const roots = [join('/tmp', `lmlab-sbx-root-${dead}-AbC123`), join(tmpdir(), `lmlab-judge-run-${dead}-XyZ`)];
    const alive = join(tmpdir(), `lmlab-judge-run-${process.pid}-keep`);
    for (const r of [...roots, alive]) mkdirSync(r, { recursive: true });
    writeFileSync(join(roots[1], 'solution.cpp'), 'int main() {}');
    const removed = sweepStaleJudgeDirs();
    for (const r of roots) {
      assert.equal(existsSync(r), false, r);
      assert.ok(removed.includes(r));
    }
    assert.equal(existsSync(alive), true);
    rmSync(alive, { recursive: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("SIGTERM and SIGINT remove the process's own scratch folders", async () => {
  const stale = fileURLToPath(new URL('../../src/util/stale.ts', import.meta.url));
  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    const script = `
      import { mkdirSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      const { installCleanup } = await import(${JSON.stringify(stale)});
      const dir = join(tmpdir(), 'lmlab-judge-run-' + process.pid + '-sig');
      mkdirSync(dir);
      installCleanup();
      console.log(dir);
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const dir = await new Promise<string>((resolve) =>
      child.stdout.once('data', (c: Buffer) => resolve(c.toString().trim())),
    );
    assert.equal(existsSync(dir), true);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.kill(signal);
    assert.equal(await exited, code);
    assert.equal(existsSync(dir), false, `${signal} cleaned ${dir}`);
  }
});

test('locks: one owner, a clear message, released on close, stale ones taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-lock-'));
  try {
    const path = join(dir, 'lock');
    const lock = FileLock.acquire(path, 'thing');
    const owner = JSON.parse(readFileSync(path, 'utf8'));
    assert.equal(owner.pid, process.pid);
    assert.equal(typeof owner.host, 'string');
    assert.ok(!Number.isNaN(Date.parse(owner.started)));
    assert.throws(
      () => FileLock.acquire(path, 'thing'),
      (e: Error) =>
        e instanceof LmlabError &&
        new RegExp(`^thing is in use by PID ${process.pid} \\(since .*\\); lock file ${path}$`).test(e.message),
    );
    lock.release();
    assert.equal(existsSync(path), false);
    writeFileSync(path, JSON.stringify({ pid: deadPid(), host: owner.host, started: 'then' }));
    FileLock.acquire(path, 'thing').release();
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'another-host', started: 'then' }));
    assert.throws(() => FileLock.acquire(path, 'thing'), /in use by PID 1 on another-host/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('checksum manifests catch a changed, missing or unlisted-manifest folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lmlab-sums-'));
  try {
    writeFileSync(join(dir, 'a.bin'), Buffer.alloc(5000, 1));
    writeFileSync(join(dir, 'b.json'), '{}');
    assert.match(verifyManifest(dir) ?? '', new RegExp(`no ${MANIFEST}`));
    writeManifest(dir);
    assert.equal(verifyManifest(dir), null);
    assert.match(readFileSync(join(dir, MANIFEST), 'utf8'), /^[0-9a-f]{64} {2}a\.bin\n[0-9a-f]{64} {2}b\.json\n$/);
    const bytes = readFileSync(join(dir, 'a.bin'));
    bytes[4000] ^= 1;
    writeFileSync(join(dir, 'a.bin'), bytes);
    assert.equal(verifyManifest(dir), 'a.bin does not match its checksum');
    rmSync(join(dir, 'a.bin'));
    assert.equal(verifyManifest(dir), 'a.bin is missing');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
