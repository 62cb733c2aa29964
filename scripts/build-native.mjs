// Builds lmlab's native code at install time with the machine's own compiler:
//  1. the N-API addon of CPU kernels (native/*.cc) through node-gyp;
//  2. every standalone helper program in native/programs/*.c (for example the judge's
//     sandbox launcher) with cc, into build/programs/.
// No download happens: node-gyp builds against the headers of the running Node.js (nodedir in
// .npmrc). On failure it says which tool is missing instead of dumping a compiler log.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, basename } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function have(tool) {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

function fail(message) {
  console.error(`lmlab build: ${message}`);
  process.exit(1);
}

for (const tool of ['make', 'g++', 'cc', 'python3']) {
  if (!have(tool))
    fail(
      `'${tool}' is not on PATH; the native kernels are compiled at install time and need make, g++, cc and python3 (node-gyp).`,
    );
}
if (
  !existsSync(join(process.env.npm_config_nodedir || '/usr', 'include', 'node', 'node_api.h')) &&
  !existsSync('/usr/include/node/node_api.h')
) {
  console.warn('lmlab build: Node.js headers not found under nodedir; node-gyp may try to download them.');
}

const gyp = process.env.npm_config_node_gyp;
const gypCommand = gyp ? [process.execPath, gyp] : ['node-gyp'];
const built = spawnSync(gypCommand[0], [...gypCommand.slice(1), 'rebuild'], {
  cwd: root,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: process.env,
});
if (built.error)
  fail(
    `could not run node-gyp (${built.error.message}); run the install through npm so that npm's bundled node-gyp is used.`,
  );
if (built.status !== 0) fail('compiling the native kernels failed (see the compiler output above).');

const programsDir = join(root, 'native', 'programs');
if (existsSync(programsDir)) {
  const outDir = join(root, 'build', 'programs');
  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(programsDir)
    .filter((f) => f.endsWith('.c'))
    .sort()) {
    const out = join(outDir, basename(file, '.c'));
    const cc = spawnSync('cc', ['-O2', '-Wall', '-o', out, join(programsDir, file)], { stdio: 'inherit' });
    if (cc.status !== 0) fail(`compiling native/programs/${file} failed (see the compiler output above).`);
  }
}
console.log('lmlab build: native code built.');
