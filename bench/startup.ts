// Start-up benchmark: wall time of `node bin/lmlab.js --version` and `--help` (the compiled CLI
// in dist/, as an installed lmlab runs), next to `node -e 0` (Node's own start-up) and to the
// same CLI run from source through tsx (LMLAB_FROM_SOURCE=1). Runs are interleaved, so load on
// the machine hits every variant alike; prints the median and the range of each.
//
//   npm run build && npm run bench:startup [-- --runs 21]
//
// It measures start-up only: no command does any work here.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from '../src/util/statistics.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = process.argv.indexOf('--runs');
const runs = at >= 0 ? Number(process.argv[at + 1]) : 21;
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
if (!existsSync(`${root}/dist/cli/main.js`)) throw new Error('dist/ is missing: run `npm run build` first');

interface Variant {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

const variants: Variant[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'lmlab --version', args: ['bin/lmlab.js', '--version'] },
  { name: 'lmlab --help', args: ['bin/lmlab.js', '--help'] },
  { name: 'lmlab --version (source, tsx)', args: ['bin/lmlab.js', '--version'], env: { LMLAB_FROM_SOURCE: '1' } },
];

const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let i = 0; i < runs; i++) {
  for (const v of variants) {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, v.args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...v.env } });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.status !== 0) throw new Error(`${v.name} failed (exit ${run.status}): ${run.stderr}`);
    times.get(v.name)!.push(seconds);
  }
}
console.log(`start-up, ${runs} runs each (median, min–max seconds):`);
for (const v of variants) {
  const xs = times.get(v.name)!;
  console.log(
    `  ${v.name.padEnd(32)} ${median(xs).toFixed(3)}  (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})`,
  );
}
