#!/usr/bin/env node
// The `lmlab` command: runs the CLI compiled to dist/ by `npm ci` (or `npm run build`).
// LMLAB_FROM_SOURCE=1 runs the TypeScript in src/ through tsx instead; the test runner sets it,
// so tests always exercise the current source, never a stale build.
import { existsSync } from 'node:fs';

if (process.env.LMLAB_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
} else {
  const compiled = new URL('../dist/cli/main.js', import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write('lmlab: the CLI is not compiled; run `npm run build` (npm ci does it)\n');
    process.exit(1);
  }
  await import(compiled.href);
}
