// Compiled, lazy start-up: the stub table of src/cli/program.ts matches what the command modules
// define (same help as the fully loaded program), and the compiled CLI in dist/ is up to date
// with src/ and answers --version and --help exactly as the source does. `npm test` builds dist/
// first; run `npm run build` before running this file alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram, requestedCommand } from '../../src/cli/program.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('the lazy program lists every command exactly as the fully loaded one', async () => {
  const lazy = await buildProgram(['--help']);
  const full = await buildProgram(['--help'], true);
  assert.equal(lazy.helpInformation(), full.helpInformation());
  assert.deepEqual(
    lazy.commands.map((c) => c.name()),
    full.commands.map((c) => c.name()),
  );
});

test('only the requested command is loaded in full', async () => {
  assert.equal(requestedCommand(['--version']), null);
  assert.equal(requestedCommand(['help', 'meco']), 'meco');
  assert.equal(requestedCommand(['score', '--text', 'x', 'model']), 'score');
  const program = await buildProgram(['score', 'model']);
  const score = program.commands.find((c) => c.name() === 'score')!;
  const codeelo = program.commands.find((c) => c.name() === 'codeelo')!;
  assert.ok(score.options.length > 0, 'score is registered with its options');
  assert.equal(codeelo.commands.length, 0, 'codeelo stays a stub');
});

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

test('dist/ is compiled from the current src/ (npm run build)', () => {
  const stale = sources(join(root, 'src')).filter((file) => {
    const compiled = join(root, 'dist', relative(join(root, 'src'), file)).replace(/\.ts$/, '.js');
    return !existsSync(compiled) || statSync(compiled).mtimeMs < statSync(file).mtimeMs;
  });
  assert.deepEqual(
    stale.map((f) => relative(root, f)),
    [],
    'run `npm run build`: these files are newer than dist/',
  );
});

test('the compiled CLI answers --version and --help exactly as the source does', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  for (const args of [['--version'], ['--help'], ['codeelo', '--help'], ['no-such-command']]) {
    const env = { ...process.env };
    delete env.LMLAB_FROM_SOURCE;
    const compiled = spawnSync(process.execPath, ['bin/lmlab.js', ...args], {
      cwd: root,
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    const source = spawnSync(process.execPath, ['bin/lmlab.js', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { ...env, LMLAB_FROM_SOURCE: '1' },
      timeout: 60_000,
    });
    assert.deepEqual(
      [compiled.status, compiled.stdout, compiled.stderr],
      [source.status, source.stdout, source.stderr],
      args.join(' '),
    );
    if (args[0] === '--version') assert.equal(compiled.stdout.trim(), pkg.version);
  }
});
